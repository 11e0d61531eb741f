/**
 * Unsent work, kept in the browser so a forced re-authorisation (a full-page round trip to the
 * EHR) loses nothing. Only what the clinician typed is stored here, never a token.
 */
export interface VitalDraft {
  kind: 'heart-rate' | 'blood-pressure' | 'body-weight';
  values: Record<string, string>;
  note: string;
  /** Set when Save was pressed: the same key is re-sent after re-authorisation (no duplicates). */
  idempotencyKey?: string;
  savedAt?: string;
}

export interface DraftStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function draftKey(issuer: string, patientId: string): string {
  return `bedside:draft:${issuer}:${patientId}`;
}

export function loadDraft(storage: DraftStorage, key: string): VitalDraft | undefined {
  try {
    const raw = storage.getItem(key);
    if (!raw) return undefined;
    const parsed = JSON.parse(raw) as VitalDraft;
    return typeof parsed === 'object' && parsed !== null && typeof parsed.kind === 'string'
      ? parsed
      : undefined;
  } catch {
    return undefined;
  }
}

export function saveDraft(storage: DraftStorage, key: string, draft: VitalDraft): void {
  storage.setItem(key, JSON.stringify(draft));
}

export function clearDraft(storage: DraftStorage, key: string): void {
  storage.removeItem(key);
}

/** A fresh key for one Save (UUIDv4 from the browser's CSPRNG). */
export function newIdempotencyKey(): string {
  return `vital-${crypto.randomUUID()}`;
}

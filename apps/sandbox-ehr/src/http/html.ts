const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (char) => entities[char] ?? char);
}

/** Tagged template that escapes every interpolated value unless it is already `SafeHtml`. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    const rendered = Array.isArray(value)
      ? value.map((item) => (item instanceof SafeHtml ? item.value : escapeHtml(item))).join('')
      : value instanceof SafeHtml
        ? value.value
        : escapeHtml(value);
    out += rendered + (strings[index + 1] ?? '');
  });
  return new SafeHtml(out);
}

const styles = `
  :root { color-scheme: light; --ink:#14202b; --muted:#4b5b6b; --line:#c9d3dd; --brand:#0b5cab; --bg:#f4f7fa; --bad:#a4161a; }
  * { box-sizing: border-box; }
  body { margin:0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--ink); background:var(--bg); }
  header.ehr { background:#17324d; color:#fff; padding:8px 16px; display:flex; gap:16px; align-items:center; }
  header.ehr strong { font-size:16px; letter-spacing:.02em; }
  main { padding:16px; max-width:1100px; margin:0 auto; }
  h1 { font-size:20px; margin:8px 0 16px; }
  fieldset { border:1px solid var(--line); background:#fff; border-radius:6px; margin:0 0 16px; padding:12px 16px; }
  legend { font-weight:600; padding:0 4px; }
  label { display:block; margin:6px 0; }
  select, input[type=text] { font:inherit; padding:6px 8px; border:1px solid var(--line); border-radius:4px; min-width:320px; }
  button { font:inherit; background:var(--brand); color:#fff; border:0; border-radius:4px; padding:8px 18px; cursor:pointer; }
  button:focus-visible, select:focus-visible, a:focus-visible { outline:3px solid #f0b400; outline-offset:2px; }
  .banner { background:#fff; border-bottom:1px solid var(--line); padding:8px 16px; display:flex; gap:24px; }
  .banner span { color:var(--muted); }
  .frame { display:block; width:100%; height:calc(100vh - 96px); border:0; background:#fff; }
  .error { border-left:4px solid var(--bad); background:#fff; padding:12px 16px; }
  code { background:#e8edf2; padding:1px 4px; border-radius:3px; }
  table { border-collapse: collapse; background:#fff; }
  td, th { border:1px solid var(--line); padding:4px 8px; text-align:left; }
`;

/** A complete HTML page in the sandbox EHR's look. */
export function page(title: string, body: SafeHtml): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <link rel="icon" href="data:," />
        <title>${title} · Bedside sandbox EHR</title>
        <style>
          ${new SafeHtml(styles)}
        </style>
      </head>
      <body>
        <header class="ehr"><strong>Bedside sandbox EHR</strong><span>${title}</span></header>
        ${body}
      </body>
    </html>`.value;
}

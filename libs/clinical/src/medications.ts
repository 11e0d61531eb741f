import type { CodeableConcept } from '@bedside/fhir-model';

export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const SNOMED = 'http://snomed.info/sct';

/** Drug classes the checks know about. */
export const DrugClass = {
  penicillin: 'penicillin',
  cephalosporin: 'cephalosporin',
  sulfonamideAntibiotic: 'sulfonamide-antibiotic',
  statin: 'statin',
  aceInhibitor: 'ace-inhibitor',
  angiotensinReceptorBlocker: 'angiotensin-receptor-blocker',
  calciumChannelBlocker: 'calcium-channel-blocker',
  thiazide: 'thiazide-diuretic',
  betaBlocker: 'beta-blocker',
  nsaid: 'nsaid',
} as const;
export type DrugClass = (typeof DrugClass)[keyof typeof DrugClass];

/** Drug classes that lower blood pressure (the ASCVD "treated for hypertension" input). */
export const ANTIHYPERTENSIVE_CLASSES: readonly DrugClass[] = [
  DrugClass.aceInhibitor,
  DrugClass.angiotensinReceptorBlocker,
  DrugClass.calciumChannelBlocker,
  DrugClass.thiazide,
  DrugClass.betaBlocker,
];

interface Ingredient {
  /** Lower-case ingredient name, matched as a word in text and displays. */
  name: string;
  /** RxNorm ingredient RxCUI (TTY IN). */
  rxcui: string;
  classes: readonly DrugClass[];
  /** RxNorm clinical drug RxCUIs (TTY SCD) that contain it, for orders coded below the ingredient. */
  products?: readonly string[];
}

/**
 * A small built-in drug knowledge table: RxNorm ingredients, some clinical drugs, and their
 * classes. Enough for the demo checks; a production service would query RxNav/RxClass.
 */
export const INGREDIENTS: readonly Ingredient[] = [
  {
    name: 'amoxicillin',
    rxcui: '723',
    classes: ['penicillin'],
    products: ['308191', '308182', '308192'],
  },
  { name: 'ampicillin', rxcui: '733', classes: ['penicillin'] },
  { name: 'penicillin', rxcui: '70618', classes: ['penicillin'] },
  { name: 'penicillin g', rxcui: '7980', classes: ['penicillin'] },
  { name: 'penicillin v', rxcui: '7984', classes: ['penicillin'] },
  { name: 'piperacillin', rxcui: '8339', classes: ['penicillin'] },
  { name: 'dicloxacillin', rxcui: '3356', classes: ['penicillin'] },
  { name: 'cephalexin', rxcui: '2231', classes: ['cephalosporin'] },
  { name: 'ceftriaxone', rxcui: '2193', classes: ['cephalosporin'] },
  { name: 'sulfamethoxazole', rxcui: '10180', classes: ['sulfonamide-antibiotic'] },
  { name: 'azithromycin', rxcui: '18631', classes: [] },
  { name: 'doxycycline', rxcui: '3640', classes: [] },
  {
    name: 'atorvastatin',
    rxcui: '83367',
    classes: ['statin'],
    products: ['617312', '617310', '259255', '617311'],
  },
  { name: 'simvastatin', rxcui: '36567', classes: ['statin'], products: ['312961', '314231'] },
  { name: 'rosuvastatin', rxcui: '301542', classes: ['statin'], products: ['859747', '859751'] },
  { name: 'pravastatin', rxcui: '42463', classes: ['statin'] },
  { name: 'lovastatin', rxcui: '6472', classes: ['statin'] },
  {
    name: 'lisinopril',
    rxcui: '29046',
    classes: ['ace-inhibitor'],
    products: ['314076', '314077'],
  },
  { name: 'losartan', rxcui: '52175', classes: ['angiotensin-receptor-blocker'] },
  {
    name: 'amlodipine',
    rxcui: '17767',
    classes: ['calcium-channel-blocker'],
    products: ['197361'],
  },
  { name: 'hydrochlorothiazide', rxcui: '5487', classes: ['thiazide-diuretic'] },
  { name: 'metoprolol', rxcui: '6918', classes: ['beta-blocker'] },
  { name: 'ibuprofen', rxcui: '5640', classes: ['nsaid'] },
  { name: 'naproxen', rxcui: '7258', classes: ['nsaid'] },
];

export interface MedicationIdentity {
  /** Ingredient names found. */
  ingredients: string[];
  classes: DrugClass[];
}

const byRxcui = new Map<string, Ingredient>();
for (const ingredient of INGREDIENTS) {
  byRxcui.set(ingredient.rxcui, ingredient);
  for (const product of ingredient.products ?? []) byRxcui.set(product, ingredient);
}

function words(text: string): string {
  return ` ${text.toLowerCase().replace(/[^a-z0-9]+/g, ' ')} `;
}

function ingredientsInText(text: string): Ingredient[] {
  const haystack = words(text);
  return INGREDIENTS.filter((ingredient) => haystack.includes(` ${ingredient.name} `));
}

/**
 * Finds a medication's ingredients and classes: RxNorm codes first, then ingredient names in the
 * text and displays (orders entered as free text still get checked).
 */
export function identifyMedication(concept: CodeableConcept | undefined): MedicationIdentity {
  const found = new Map<string, Ingredient>();
  for (const coding of concept?.coding ?? []) {
    if (coding.system === RXNORM && coding.code !== undefined) {
      const ingredient = byRxcui.get(coding.code);
      if (ingredient) found.set(ingredient.name, ingredient);
    }
  }
  if (found.size === 0) {
    const texts = [concept?.text, ...(concept?.coding ?? []).map((coding) => coding.display)];
    for (const text of texts) {
      if (text)
        for (const ingredient of ingredientsInText(text)) found.set(ingredient.name, ingredient);
    }
  }
  const classes = new Set<DrugClass>();
  for (const ingredient of found.values()) for (const cls of ingredient.classes) classes.add(cls);
  return { ingredients: [...found.keys()], classes: [...classes] };
}

/** SNOMED CT allergy findings and substances, by the drug class or ingredient they exclude. */
const ALLERGY_CODES: Readonly<Record<string, { classes?: DrugClass[]; ingredients?: string[] }>> = {
  '91936005': { classes: ['penicillin'] }, // Allergy to penicillin
  '294505008': { classes: ['penicillin'] }, // Allergy to amoxicillin (finding)
  '764146007': { classes: ['penicillin'] }, // Penicillin (substance)
  '373270004': { classes: ['penicillin'] }, // Substance with penicillin structure
  '91939003': { classes: ['sulfonamide-antibiotic'] }, // Allergy to sulfonamide
  '293586001': { classes: ['cephalosporin'] }, // Allergy to cephalosporin
  '300916003': { classes: ['nsaid'] }, // Allergy to non-steroidal anti-inflammatory agent
};

export interface AllergyIdentity {
  classes: DrugClass[];
  ingredients: string[];
}

/** What an AllergyIntolerance.code excludes: classes and ingredients (SNOMED, RxNorm or text). */
export function identifyAllergen(concept: CodeableConcept | undefined): AllergyIdentity {
  const classes = new Set<DrugClass>();
  const ingredients = new Set<string>();
  for (const coding of concept?.coding ?? []) {
    if (coding.system === SNOMED && coding.code !== undefined) {
      const known = ALLERGY_CODES[coding.code];
      for (const cls of known?.classes ?? []) classes.add(cls);
      for (const name of known?.ingredients ?? []) ingredients.add(name);
    }
  }
  // RxNorm-coded or free-text allergens: an ingredient name; "penicillin" means the whole class.
  const drug = identifyMedication(concept);
  for (const name of drug.ingredients) {
    if (name === 'penicillin') classes.add('penicillin');
    else ingredients.add(name);
  }
  const text = words([concept?.text, ...(concept?.coding ?? []).map((c) => c.display)].join(' '));
  const classWords: readonly [string, DrugClass][] = [
    ['penicillin', 'penicillin'],
    ['penicillins', 'penicillin'],
    ['cephalosporin', 'cephalosporin'],
    ['cephalosporins', 'cephalosporin'],
    ['sulfa', 'sulfonamide-antibiotic'],
    ['sulfonamide', 'sulfonamide-antibiotic'],
    ['nsaid', 'nsaid'],
    ['statin', 'statin'],
  ];
  for (const [word, cls] of classWords) if (text.includes(` ${word} `)) classes.add(cls);
  return { classes: [...classes], ingredients: [...ingredients] };
}

// People, organisations and places without a model. A candidate is a run of capitalised words (with name
// particles and initials inside: "Maika van de Noort", "Sari J. Paavolainen"); words that are common English
// words at the run's edges are dropped ("Producer James Sparks" → "James Sparks"). Each candidate collects
// evidence for each type — lexicons of given names, surnames, places; surname endings; organisation legal
// forms and head words; honorifics; the words around it ("my name is", "work for", "lives in") — and takes the
// type with the most. In a text without letter case (all lower or all upper case) only words that are not common
// English words can be candidates, and they need a lexicon hit or a context word.
import { dictionaryWords } from './lexicon/dictionary.ts';
import { commonEnglishWords } from './lexicon/english.ts';
import { givenNames, honorifics, surnames } from './lexicon/names.ts';
import { countryNames, longestPlaceWords, placeNames } from './lexicon/places.ts';
import {
  legalForms,
  functionWords,
  nameParticles,
  nonNameWords,
  organisationHeads,
  organisationOfHeads,
  placePrefixes,
  placeSuffixes,
  streetTypes,
  technicalTerms,
} from './lexicon/vocabulary.ts';
import { isAllCaps, isCapitalised, type Token } from './text.ts';

export type ProperNounType = 'PERSON' | 'ORGANIZATION' | 'LOCATION';

export interface ProperNoun {
  type: ProperNounType;
  /** Token indices, inclusive. */
  first: number;
  last: number;
  score: number;
}

// ------------------------------------------------------------------------------------------- word classes

const surnameEndings = [
  'son', 'sen', 'sson', 'ssen', 'dottir', 'dóttir', 'ovic', 'evic', 'ic', 'ski', 'ska', 'cki', 'cka', 'dzki',
  'czyk', 'wicz', 'ova', 'ová', 'ov', 'ev', 'eva', 'ina', 'enko', 'chuk', 'escu', 'eanu', 'ez', 'es', 'poulos',
  'opoulos', 'idis', 'akis', 'oglu', 'nen', 'inen', 'ainen', 'stein', 'mann', 'berg', 'strom', 'gaard', 'gard',
  'feld', 'baum', 'bauer', 'wood', 'ley', 'well', 'worth', 'ini',
  'elli', 'etti', 'ucci', 'otti', 'ano', 'ato', 'oni', 'ides', 'yan', 'ian', 'shvili', 'adze', 'ero',
]; // prettier-ignore

/** Endings of town names: "Auroratown", "Niitabury", "Voorburg", "Gothenburg", "Oxfordshire", "Düsseldorf". */
const placeEndings = [
  'town', 'ville', 'burg', 'burgh', 'borough', 'bury', 'mouth', 'chester', 'caster', 'cester', 'shire', 'stad',
  'holm', 'fjord', 'heim', 'dorf', 'hausen', 'stadt', 'grad', 'polis', 'abad', 'pur', 'gem', 'minster',
  'thorpe', 'koping', 'kirchen', 'haven', 'sund', 'by', 'torp', 'rup', 'ingen', 'hafen', 'bourg', 'ville',
]; // prettier-ignore

/** Brand-name pieces glued into one word: "Datasoft", "Geotab", "Bizlytics". */
const brandEndings = [
  'soft', 'tech', 'labs', 'ware', 'data', 'net', 'bank', 'corp', 'media', 'works', 'box', 'hub', 'base',
  'wise', 'cloud', 'logic', 'sys', 'tron', 'lytics', 'metrics', 'ify', 'matic', 'scape', 'verse', 'space',
  'stack', 'flow', 'force', 'point', 'pay', 'mart', 'book', 'link', 'wave', 'gen', 'bio', 'pharma',
]; // prettier-ignore

/** "Ltd", "S.L.", "S.p.A.", "GmbH". */
const isLegalForm = (fold: string) =>
  legalForms.has(fold) || (fold.includes('.') && legalForms.has(fold.replaceAll('.', '')));

function hasEnding(fold: string, endings: readonly string[], minStem: number): boolean {
  for (const ending of endings) {
    if (fold.length >= ending.length + minStem && fold.endsWith(ending)) return true;
  }
  return false;
}

const isWord = (t: Token | undefined): t is Token & { kind: 'word' } => t !== undefined && t.kind === 'word';

function isCommonFold(fold: string): boolean {
  if (commonEnglishWords.has(fold) || nonNameWords.has(fold)) return true;
  // "E-mail", "Follow-up": every part common or one letter.
  if (fold.includes('-')) return fold.split('-').every((p) => p.length <= 1 || commonEnglishWords.has(p));
  return false;
}

/** First words of the gazetteer's names: most runs can be ruled out without building a string. */
const placeFirstWords = new Set([...placeNames].map((name) => name.split(' ')[0]!));

/** Two common English words glued together ("Redlaser", "Plotwatt"): a coined brand name. */
function isCompoundOfWords(fold: string): boolean {
  if (fold.length < 7 || fold.length > 20 || !/^[a-z]+$/.test(fold)) return false;
  for (let k = 3; k <= fold.length - 3; k++) {
    if (commonEnglishWords.has(fold.slice(0, k)) && commonEnglishWords.has(fold.slice(k))) return true;
  }
  return false;
}

/** The last words of the strong person cues ("my name is", "call me", "i'm"): a cheap test before the rules. */
const strongCueEnds = new Set([
  'is',
  'was',
  "'s",
  ':',
  '?',
  "i'm",
  'am',
  'im',
  'this',
  'me',
  'him',
  'her',
  'them',
  'us',
  'you',
  'it',
  'called',
  'named',
  'call',
  'calls',
  'aka',
  'as',
  'hi',
  'hello',
  'hey',
  'dear',
  'dearest',
  'thanks',
  'you',
  'bye',
  'goodbye',
  'congratulations',
  'congrats',
  'welcome',
  'sincerely',
  'regards',
  'cheers',
  'love',
  'yours',
  'xoxo',
  'nicknamed',
  'christened',
  'baptised',
  'baptized',
]);

// ------------------------------------------------------------------------------------------------ context

// The words right before a candidate, as phrases of tokens (lower case, accents removed, punctuation as is):
// "my name is", "work for", "lives in". `{a,b,}` is a choice ("" included when the list ends with a comma).
const personBefore = cues([
  [
    "{my,his,her,their,your,the,whose} {,full ,first ,last ,maiden ,middle ,real ,nick}{name,names} {is,was,are,were,'s}{, :}",
    0.6,
  ],
  [
    '{,full ,first ,last }{name,surname,patient,client,customer,employee,contact,attn,attention,signed,from,to,cc} :',
    0.45,
  ],
  ["{name,surname,called,who are you,who is this,who's this,who is it} ?", 0.45],
  ["{i'm,i am,im,this is,it's,it is,known as,aka}", 0.45],
  [
    '{named,called,call,calls,nicknamed,christened,baptised,baptized}{, him, her, them, it, me, us, you}',
    0.45,
  ],
  [
    '{hi,hello,hey,dear,dearest,thanks,thank you,bye,goodbye,congratulations,congrats,welcome,sincerely,regards,cheers,love,yours,xoxo}',
    0.4,
  ],
  [
    '{said,says,asked,asks,told,tells,replied,wrote,explained,shouted at,yelled at,married,directed by,starring,featuring,produced by,written by,composed by,performed by,sung by,assistant to,follow up with}',
    0.35,
  ],
  [
    '{wife,husband,son,daughter,mother,father,mom,dad,mum,brother,sister,kid,child,baby,grandfather,grandmother,uncle,aunt,cousin,nephew,niece,friend,boyfriend,girlfriend,fiance,fiancee,partner,boss,colleague,coworker,manager,guardian,neighbour,neighbor,teacher,doctor,lawyer,producer,director,singer,songwriter,author,writer,actor,actress,player,artist,musician,ceo,founder,cofounder,co-founder,president,chairman,chairwoman,minister,senator,governor,mayor,professor,student,commenter,user,member,officer,agent,spokesman,spokeswoman,spokesperson,leader,captain,coach,chef,nurse,pilot}',
    0.35,
  ],
  ['{add,added,remove,removed,beneficiary,under}', 0.2],
  [
    '{met,meet,ask,tell,thank,contact,email,text,invite,invited,hire,hired,visit,visited,speak to,speak with,talk to,talk with,meeting with,spoke to,spoke with,spoke,features,by,with,and,or,between,for,to}',
    0.12,
  ],
]);

// Matched against the words after a candidate (lower case, single spaces, starting right after it).
const personAfter: [RegExp, number][] = [
  [/^ (?:said|says|told|asked|asks|replied|explained|wrote|writes|shouted|gave|had given|has given|sent|texted|emailed|called|yelled|whispered|smiled|laughed|nodded|thinks|thought|believes|feels|felt|wants|wanted|loves|loved|likes|liked|hates|lives|lived|spent|began|started|joined|died|was born|is born|married|graduated|studied|works|worked|teaches|retired|moved|grew up|turned|turns)\b/, 0.4],
  [/^ (?:is|was|will be|has been) (?:a |an |the |very |so |such |really |always |never |not )?(?:very |really |so )?(?:sympathetic|reliable|impulsive|kind|nice|friendly|happy|sad|angry|tall|short|young|old|smart|funny|talking|speaking|coming|going|person|man|woman|boy|girl|guy|lady|gentleman|student|teacher|doctor|nurse|engineer|lawyer|writer|author|singer|actor|actress|player|artist|father|mother|son|daughter|husband|wife|friend|years? old|\d{1,3} (?:years?|yrs?|y\/o|yo)\b)/, 0.4],
  [/^ (?:and (?:his|her) (?:wife|husband|son|daughter|family))\b/, 0.3],
  [/^ \( ?\d{1,3} ?\)/, 0.3],
  [/^ ?, (?:who|whose|aged?|\d{1,3},)\b/, 0.3],
  [/^ ?'s (?:wife|husband|son|daughter|kid|kids|children|mother|father|brother|sister|family|friend|friends|killers?|birthday|song|book|novel|album|house|car|phone|email|address)\b/, 0.35],
]; // prettier-ignore

const organisationBefore = cues([
  [
    '{work,works,worked,working,employed,employee,employees,intern,interning,job,position,role,career,contract,contractor} {for,at,with,by}',
    0.6,
  ],
  [
    '{join,joined,joining,left,quit,acquire,acquired,acquiring,acquisition of,merger with,partnered with,partnership with,invest in,invested in,investing in,shares of,stock of,ceo of,cto of,cfo of,coo of,founder of,co-founder of,cofounder of,president of,chairman of,director of,head of,employees of,customer of,customers of,client of,clients of,signed with,signed to,sponsored by,funded by,owned by,subsidiary of,division of,brought to you by,became,become,renamed,rebranded as,merged with,merge with,acquired by,bought by,sold to}',
    0.5,
  ],
  [
    '{company,firm,startup,start-up,brand,agency,bank,employer,vendor,supplier,provider,retailer,manufacturer,publisher,label,organisation,organization,nonprofit,non-profit,charity,corporation,conglomerate,insurer,carrier,airline,university,school,college}{, called, named}',
    0.35,
  ],
  ['{at,for}', 0.08],
]);

const organisationAfter: [RegExp, number][] = [
  [/^ (?:is|was) (?:a|an|the) (?:[a-z-]+ ){0,3}(?:company|firm|startup|start-up|brand|agency|bank|corporation|conglomerate|manufacturer|retailer|provider|platform|service|nonprofit|non-profit|organisation|organization|charity|publisher|label|group|business|enterprise|employer|consultancy|studio|network|app|website|maker)\b/, 0.7],
  [/^ (?:inc|ltd|llc|plc|gmbh|corp)\b/, 0.8],
  [/^ (?:invested|announced|acquired|reported|launched|released|hired|employs|employed|manufactures|sells|sold|shipped|partnered|raised|filed|went public|became|posted|recalled|headquartered|is headquartered|is based|was founded|ceo|cto|cfo|stock|shares|employees|customers|headquarters|hq|office|offices|spokesperson|spokesman|products?|services?|platform|app|website|board|shareholders)\b/, 0.4],
  [/^ ?'s (?:ceo|cto|cfo|founder|founders|employees|staff|board|shares|stock|products?|services?|headquarters|offices?|website|app|platform|customers|brand|chief|president)\b/, 0.5],
]; // prettier-ignore

const locationBefore = cues([
  [
    '{live,lives,lived,living,reside,resides,resided,residing,born,raised,grew up,based,located,situated,stationed,headquartered,stay,stayed,staying,vacation,vacationed,holiday,holidays,trip,moved,relocated,settled,arrived,arrive,arriving,landed,stopped,stuck,lost,happened,founded,established,married,studied,study,studying,work,works,worked,working,hospitalized,buried,imprisoned,elected} {,here ,there ,back ,out }{in,at,near,to,from,outside,around}',
    0.55,
  ],
  [
    '{moved,moving,move,relocated,relocating,emigrated,immigrated,fled,escaped,came,come,coming,went,go,going,travel,travels,traveled,travelled,traveling,travelling,fly,flew,flying,flight,trip,drive,drove,driving,return,returned,returning,back,welcome,heading,headed,bound,train,trains,bus,ferry,visit,visited,visiting,visits,tour,touring,toured,explore,exploring,explored,leave,left,leaving,across,throughout,around,near,outside,inside,within,all over,born,native,originally,originate,originates,originated,hails,hail,home,hometown,native of,resident of,citizen of,citizens of,people of,capital of,city of,town of,village of,state of,republic of,kingdom of,province of,region of,county of,streets of,north of,south of,east of,west of,mayor of,governor of,president of,king of,queen of,university of,southern,northern,eastern,western,central,downtown,rural,greater,coming to,come to,in}{, here, there, back, to, from, in, at, for}{, the}',
    0.35,
  ],
  ['{city,town,village,hometown,capital,region,province,county,island,municipality,suburb}{, :}', 0.35],
  ['from{, the city of, the town of, the village of}', 0.2],
  ['to{, the city of, the town of, the village of}', 0.1],
  ['at', 0.1],
]);

const locationAfter: [RegExp, number][] = [
  [/^ (?:city|town|village|county|province|region|state|district|area|municipality|metropolitan|suburb|island|islands|river|lake|mountains?|valley|bay|coast|border|borders|airport|harbou?r|bridge|station|leader|leaders|government|parliament|police|army|embassy|consulate|authorities|officials|residents|citizens|people|border force|national|capital|countryside|mainland)\b/, 0.35],
  [/^ (?:was|is) (?:super |so |really |very )?(?:fun|beautiful|lovely|amazing|great|nice|hot|cold|crowded|expensive|cheap|far|close|safe|dangerous) to (?:visit|see|live)\b/, 0.4],
  [/^ (?:is|was) (?:a |the )?(?:city|town|village|country|state|capital|nation|island|region|province|kingdom|republic)\b/, 0.7],
]; // prettier-ignore

function evidence(rules: [RegExp, number][], context: string): number {
  let best = 0;
  for (const [pattern, weight] of rules) if (weight > best && pattern.test(context)) best = weight;
  return best;
}

/** Expands "{a,b,} c" into "a c", "b c", " c" (then single spaces, trimmed). */
function expand(pattern: string): string[] {
  const open = pattern.indexOf('{');
  if (open === -1) return [pattern.replace(/\s+/g, ' ').trim()];
  const close = pattern.indexOf('}', open);
  return pattern
    .slice(open + 1, close)
    .split(',')
    .flatMap((choice) => expand(pattern.slice(0, open) + choice + pattern.slice(close + 1)));
}

interface Cues {
  weights: Map<string, number>;
  longest: number;
}

function cues(spec: [string, number][]): Cues {
  const weights = new Map<string, number>();
  let longest = 0;
  for (const [pattern, weight] of spec) {
    for (const phrase of expand(pattern)) {
      if (!phrase) continue;
      weights.set(phrase, Math.max(weights.get(phrase) ?? 0, weight));
      longest = Math.max(longest, phrase.split(' ').length);
    }
  }
  return { weights, longest };
}

/** The phrases that end right before token i (1 to 6 tokens, on its line), for `cueWeight`. */
function phrasesBefore(scan: Scan, i: number): string[] {
  const keys: string[] = [];
  let key = '';
  for (let k = i - 1; k >= 0 && keys.length < 6; k--) {
    const t = scan.tokens[k]!;
    if (t.kind === 'newline') break;
    key = key ? `${t.kind === 'word' ? t.fold : t.text} ${key}` : t.kind === 'word' ? t.fold : t.text;
    keys.push(key);
  }
  return keys;
}

function cueWeight(table: Cues, phrases: readonly string[]): number {
  let best = 0;
  for (let n = 0; n < phrases.length && n < table.longest; n++) {
    const weight = table.weights.get(phrases[n]!);
    if (weight !== undefined && weight > best) best = weight;
  }
  return best;
}

// ------------------------------------------------------------------------------------------------ scanning

interface Scan {
  text: string;
  tokens: Token[];
  caseless: boolean;
  claimed: Uint8Array;
}

interface Candidate {
  first: number;
  last: number;
  /** The candidate starts a sentence (its capital letter says little). */
  initial: boolean;
}

const sentenceOpeners = new Set([
  '.',
  '!',
  '?',
  ':',
  ';',
  '"',
  '“',
  '”',
  '(',
  '[',
  '>',
  '*',
  '•',
  '-',
  '–',
  '—',
  '|',
]);

function startsSentence(tokens: Token[], i: number): boolean {
  let k = i - 1;
  // Quotes and brackets are skipped: '"The Dimensions …' starts a title.
  while (k >= 0 && tokens[k]!.kind === 'punct' && '"“”\'‘’([*'.includes(tokens[k]!.text)) k--;
  if (k < 0) return true;
  const previous = tokens[k]!;
  if (previous.kind === 'newline') return true;
  if (previous.kind === 'punct' && sentenceOpeners.has(previous.text)) {
    // "Mr. Smith", "J. Smith", "St. John": an abbreviation's period does not end the sentence.
    if (previous.text === '.' && isWord(tokens[k - 1]) && !tokens[k]!.spaced) {
      const before = tokens[k - 1]!;
      if (honorifics.has(before.fold) || before.text.length === 1 || streetTypes.has(before.fold))
        return false;
    }
    return true;
  }
  return i - 1 !== k && tokens[i - 1]!.kind === 'punct' && sentenceOpeners.has(tokens[i - 1]!.text);
}

/** A word that can be part of a name in this text. */
function nameWord(scan: Scan, t: Token | undefined): boolean {
  if (!isWord(t)) return false;
  if (scan.caseless) {
    return (
      (!isCommonFold(t.fold) && !dictionaryWords.has(t.fold)) ||
      givenNames.has(t.fold) ||
      placeNames.has(t.fold)
    );
  }
  if (!isCapitalised(t)) return false;
  // "CEOs", "PCs": plural acronyms; "Node.js", "Array.prototype.map": code.
  if (/^\p{Lu}{2,}s$/u.test(t.text) || /\.\p{Ll}{2}/u.test(t.text)) return false;
  return !technicalTerms.has(t.fold) && !functionWords.has(t.fold);
}

/** An initial: "J" or "J." between name words. */
function initialEnd(scan: Scan, i: number): number {
  const t = scan.tokens[i];
  if (!isWord(t) || t.text.length !== 1 || !/\p{Lu}/u.test(t.text)) return -1;
  const dot = scan.tokens[i + 1];
  if (dot?.text === '.' && !dot.spaced) return i + 2;
  return i + 1;
}

const sameLine = (a: Token | undefined, b: Token | undefined) =>
  a !== undefined && b !== undefined && a.line === b.line && b.kind !== 'newline';

function candidates(scan: Scan): Candidate[] {
  const { tokens, claimed } = scan;
  const found: Candidate[] = [];
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i]!;
    if (claimed[i] || !nameWord(scan, t) || (scan.caseless && initialEnd(scan, i) > 0)) {
      i++;
      continue;
    }
    let last = i;
    let j = i + 1;
    while (j < tokens.length && j - i < 12) {
      const w = tokens[j]!;
      if (claimed[j] || !sameLine(tokens[j - 1], w) || !w.spaced) break;
      // "J." inside a name.
      const initial = initialEnd(scan, j);
      if (
        initial > 0 &&
        nameWord(scan, tokens[initial]) &&
        sameLine(w, tokens[initial]) &&
        tokens[initial]!.spaced
      ) {
        last = initial;
        j = initial + 1;
        continue;
      }
      if (nameWord(scan, w)) {
        last = j;
        j++;
        continue;
      }
      // "Bank of Montreal", "University of Tartu".
      if (
        w.fold === 'of' &&
        organisationOfHeads.has(tokens[j - 1]!.fold) &&
        nameWord(scan, tokens[j + 1]) &&
        sameLine(w, tokens[j + 1])
      ) {
        last = j + 1;
        j += 2;
        continue;
      }
      // "van de" inside a name.
      if (isWord(w) && nameParticles.has(w.fold) && !isCapitalised(w)) {
        let k = j;
        while (isWord(tokens[k]) && nameParticles.has(tokens[k]!.fold) && k - j < 3) k++;
        if (
          nameWord(scan, tokens[k]) &&
          tokens[k]!.text.length > 1 &&
          sameLine(w, tokens[k]) &&
          !scan.caseless
        ) {
          last = k;
          j = k + 1;
          continue;
        }
      }
      break;
    }
    found.push({ first: i, last, initial: startsSentence(tokens, i) });
    i = last + 1;
  }
  return found;
}

function wordsAfter(scan: Scan, i: number): string {
  const parts: string[] = [];
  for (let k = i + 1; k < scan.tokens.length && parts.length < 8; k++) {
    const t = scan.tokens[k]!;
    if (t.kind === 'newline') break;
    parts.push(t.kind === 'word' ? t.fold : t.text);
  }
  return parts.length ? ` ${parts.join(' ')}`.replace(/ 's\b/, "'s") : '';
}

/** The line of token i holds nothing but tokens first..last (and quote markers). */
function aloneOnLine(scan: Scan, first: number, last: number): boolean {
  const { tokens } = scan;
  for (let k = first - 1; k >= 0 && tokens[k]!.kind !== 'newline'; k--) {
    if (tokens[k]!.kind !== 'punct' || !'>?*•-|'.includes(tokens[k]!.text)) return false;
  }
  const next = tokens[last + 1];
  return next === undefined || next.kind === 'newline';
}

/** The place named by tokens first..last exactly, if it is in the gazetteer. */
function placeOf(scan: Scan, first: number, last: number): 'country' | 'place' | undefined {
  if (last - first + 1 > longestPlaceWords || !placeFirstWords.has(scan.tokens[first]?.fold ?? ''))
    return undefined;
  const name = scan.tokens
    .slice(first, last + 1)
    .filter((t) => t.kind === 'word')
    .map((t) => t.fold)
    .join(' ');
  if (countryNames.has(name)) return 'country';
  return placeNames.has(name) ? 'place' : undefined;
}

/** Short all-capitals words: acronyms ("ATM", "IBAN", "CEO"), unless they name a place ("USA", "UK"). */
function isAcronym(t: Token): boolean {
  return isAllCaps(t) && t.text.length <= 4 && !placeNames.has(t.fold) && !isLegalForm(t.fold);
}

function classify(
  scan: Scan,
  candidate: Candidate,
  previousLine: ProperNoun | undefined,
  previousNoun: ProperNoun | undefined,
): ProperNoun | undefined {
  const { tokens } = scan;
  let { first, last } = candidate;
  // An honorific starts the run ("Mrs. Kathrine …") or comes right before it: evidence, not part of the name.
  const before = tokens[first - 1]?.text === '.' ? first - 2 : first - 1;
  let honorific =
    isWord(tokens[before]) && honorifics.has(tokens[before]!.fold) && sameLine(tokens[before], tokens[first]);
  while (first < last && honorifics.has(tokens[first]!.fold)) {
    honorific = true;
    first++;
    if (tokens[first]?.text === '.') first++;
  }
  if (honorifics.has(tokens[first]!.fold) && first === last) return undefined;

  // Common words at the edges go ("Producer James Sparks", "Please", "Guilty Pleasures"), except the head word of
  // an organisation ("Rivet Software", "Smith Ltd"), the first word of a place ("New Westminster"), a
  // surname after a given name ("Zoe Young") and a name after an honorific ("Mr. White"). A run of common words
  // only stays whole, and needs evidence.
  // Where capitalisation says nothing (a sentence's first word, text without case), any dictionary word counts.
  const common = (t: Token) =>
    t.kind !== 'word' ||
    ((isCommonFold(t.fold) ||
      isAcronym(t) ||
      ((scan.caseless || (t === tokens[candidate.first] && candidate.initial)) &&
        dictionaryWords.has(t.fold) &&
        !givenNames.has(t.fold) &&
        !surnames.has(t.fold))) &&
      !placeNames.has(t.fold)) ||
    nameParticles.has(t.fold);
  const tailToken = tokens[last]!;
  const orgTail =
    first < last &&
    (isLegalForm(tailToken.fold) || organisationHeads.has(tailToken.fold)) &&
    isCapitalised(tailToken);
  const placeTail = first < last && placeSuffixes.has(tailToken.fold) && isCapitalised(tailToken);
  // "the Ministry of Health", "the Museum of Modern Art": common words after "of", the whole is an
  // organisation. A name after it ("University of Tartu", "Bank of Montreal") is mostly a place: that goes on
  // below as a place of its own (the head word alone is no name).
  for (let k = first + 1; k < last; k++) {
    if (
      tokens[k]!.fold === 'of' &&
      organisationOfHeads.has(tokens[k - 1]!.fold) &&
      isCapitalised(tokens[k - 1]!)
    ) {
      const rest = tokens.slice(k + 1, last + 1).filter((t) => t.kind === 'word');
      if (rest.every((t) => isCommonFold(t.fold)))
        return { type: 'ORGANIZATION', first: k - 1, last, score: 0.8 };
      first = k + 1;
      break;
    }
  }
  // An organisation's name keeps its words, but not a sentence's first word before it ("Contact Acme Labs Ltd").
  if (
    orgTail &&
    candidate.initial &&
    last - first >= 2 &&
    common(tokens[first]!) &&
    !givenNames.has(tokens[first]!.fold)
  ) {
    first++;
  }
  let trimmed = false;
  let leadingTrim = false;
  const hasInitial = tokens
    .slice(first + 1, last)
    .some((t) => t.kind === 'word' && t.text.length === 1 && /\p{Lu}/u.test(t.text));
  if (!orgTail && !placeTail && !honorific && !hasInitial && !placeOf(scan, first, last)) {
    let a = first;
    let b = last;
    while (a <= b && common(tokens[a]!) && !placeOf(scan, a, b)) {
      // "New Westminster", "Port Elizabeth": a place's first word stays.
      if (placePrefixes.has(tokens[a]!.fold) && a < b && !common(tokens[a + 1]!) && !candidate.initial) break;
      // A given name that is also a word ("Will", "Grace") stays mid-sentence.
      if (givenNames.has(tokens[a]!.fold) && !(a === candidate.first && candidate.initial)) break;
      a++;
    }
    const givenFirst = a <= b && givenNames.has(tokens[a]!.fold);
    while (b >= a && common(tokens[b]!) && !placeOf(scan, a, b)) {
      if (givenFirst && b > a && b - a <= 2) break;
      b--;
    }
    if (a <= b) {
      trimmed = a !== first || b !== last;
      leadingTrim = a !== first;
      first = a;
      last = b;
    }
  }
  // An initial or a particle at an edge is not a name on its own.
  while (first < last && (tokens[first]!.text.length === 1 || tokens[first]!.text === '.')) first++;
  while (last > first && (tokens[last]!.text === '.' || nameParticles.has(tokens[last]!.fold))) last--;

  const words = tokens.slice(first, last + 1).filter((t) => t.kind === 'word' && t.text.length > 1);
  if (words.length === 0) return undefined;
  // "St", "Rd" on their own: street types.
  if (words.length === 1 && streetTypes.has(words[0]!.fold) && words[0]!.text.length <= 4) return undefined;
  const initial = candidate.initial && first === candidate.first;
  // What is left of a title-cased phrase after its common words went ("Cautionary Tales", "Guilty Pleasures"):
  // dictionary words only, and no name from a lexicon.
  const titleLeftover =
    trimmed &&
    words.every((t) => common(t) || dictionaryWords.has(t.fold)) &&
    !words.some((t) => givenNames.has(t.fold) || surnames.has(t.fold) || placeNames.has(t.fold));
  const allCommon = words.every((t) => common(t)) || titleLeftover;
  const acronyms = words.every((t) => isAcronym(t));
  // The words before: before the run, and before what is left of it ("Hi Anna": "hi" is the cue).
  const befores = [phrasesBefore(scan, candidate.first)];
  for (let k = candidate.first + 1; k <= first; k++) befores.push(phrasesBefore(scan, k));
  const cue = (table: Cues) => Math.max(...befores.map((phrases) => cueWeight(table, phrases)));
  const after = wordsAfter(scan, last);
  const alone = aloneOnLine(scan, candidate.first, candidate.last);

  let person = 0;
  let organisation = 0;
  let location = 0;

  // The words themselves.
  const head = words[0]!;
  const tail = words.at(-1)!;
  if (givenNames.has(head.fold)) person += isCommonFold(head.fold) || placeNames.has(head.fold) ? 0.2 : 0.4;
  if (
    words.length >= 2 &&
    !common(tail) &&
    (surnames.has(tail.fold) || hasEnding(tail.fold, surnameEndings, 3))
  ) {
    person += 0.2;
  }
  if (words.length === 1 && surnames.has(head.fold)) person += 0.15;
  if (words.length === 1 && hasEnding(head.fold, surnameEndings, 4)) person += 0.1;
  // A middle initial: "Sari J. Paavolainen", "Brad L Key".
  if (
    tokens
      .slice(first + 1, last)
      .some((t) => t.kind === 'word' && t.text.length === 1 && /\p{Lu}/u.test(t.text))
  ) {
    person += 0.25;
  }
  if (words.length >= 2 && words.length <= 4 && words.every((t) => !common(t))) person += 0.15;
  if (honorific) person += 0.8;

  const place = placeOf(scan, first, last);
  if (place === 'country') location += 0.8;
  else if (place === 'place') location += givenNames.has(head.fold) || surnames.has(head.fold) ? 0.3 : 0.6;
  else if (words.length >= 2 && (placePrefixes.has(head.fold) || placeSuffixes.has(tail.fold)))
    location += 0.35;
  else if (!place && !givenNames.has(tail.fold) && !common(tail) && !dictionaryWords.has(tail.fold)) {
    if (hasEnding(tail.fold, placeEndings, 3)) location += 0.3;
  }

  if (isLegalForm(tail.fold) && words.length >= 2) organisation += 1;
  else if (organisationHeads.has(tail.fold) && words.length >= 2 && isCapitalised(tail)) organisation += 0.6;
  if (words.length >= 2 && organisationOfHeads.has(head.fold) && tokens[first + 1]?.fold === 'of')
    organisation += 0.7;
  if (/^ (?:and|&) (?:sons|co|company|partners|associates|brothers|daughters)\b/.test(after))
    organisation += 0.8;
  if (words.length === 1 && /^\p{Lu}[\p{Ll}]+-\p{Lu}[\p{Ll}]+$/u.test(head.text)) {
    const [a, b] = head.fold.split('-') as [string, string];
    if (!givenNames.has(a) && !givenNames.has(b)) organisation += 0.35; // "Evans-Bonilla"
  }
  if (words.length === 1 && !givenNames.has(head.fold)) {
    if (/^\p{Lu}\p{Ll}+\p{Lu}/u.test(head.text) && !/^(?:Mc|Mac|O'|D'|De|Di|Le|La|Van|Von)/.test(head.text)) {
      organisation += 0.35; // "PlotWatt", "YouTube"
    }
    if (isCompoundOfWords(head.fold)) organisation += 0.3;
    if (hasEnding(head.fold, brandEndings, 3)) organisation += 0.3;
  }

  // The words around them.
  // "Rościsław Dudek of Lexisnexis": of, after a name, names an employer more often than not.
  if (
    previousNoun &&
    previousNoun.last === candidate.first - 2 &&
    tokens[candidate.first - 1]?.fold === 'of' &&
    previousNoun.type === 'PERSON'
  ) {
    organisation += 0.3;
  }
  person += cue(personBefore) + evidence(personAfter, after);
  organisation += cue(organisationBefore) + evidence(organisationAfter, after);
  location += cue(locationBefore) + evidence(locationAfter, after);
  // "Springfield, Illinois", "Studenec, Slovakia": a place followed by a known region or country.
  if (/^ , [a-z]/.test(after)) {
    const k = last + 2;
    let end = k;
    while (
      end + 1 < tokens.length &&
      end - k < 3 &&
      sameLine(tokens[end], tokens[end + 1]) &&
      nameWord(scan, tokens[end + 1])
    )
      end++;
    if (nameWord(scan, tokens[k]) && placeOf(scan, k, end)) location += 0.35;
  }

  // A line of its own in a block (a signature, a letter's head): the first is usually the person, the one
  // after a person the organisation.
  if (alone) {
    if (previousLine?.type === 'PERSON' && previousLine.last < first) organisation += 0.45;
    else person += 0.15;
  }

  const strongest = Math.max(person, organisation, location);
  if ((allCommon || acronyms) && strongest < 0.4 && !honorific) return undefined;
  if (scan.caseless && strongest < 0.35) return undefined;

  // Type: the most evidence; ties and no evidence go to PERSON, then LOCATION (the more frequent kinds).
  let type: ProperNounType = 'PERSON';
  if (location > person && location >= organisation) type = 'LOCATION';
  else if (organisation > person && organisation > location) type = 'ORGANIZATION';

  // Score: is this a name at all? Unknown words are good evidence by themselves, more so when capitalised
  // mid-sentence; common words and leftovers of a title-cased phrase ("Guilty Pleasures") need evidence.
  let score: number;
  if (allCommon || acronyms) {
    score = 0.1 + Math.min(strongest, 1) * 0.9;
  } else {
    score = leadingTrim && !candidate.initial ? 0.3 : 0.4;
    if (!initial && !leadingTrim && !scan.caseless) score += 0.1;
    if (words.some((t) => !common(t) && !dictionaryWords.has(t.fold))) score += 0.1;
    score += Math.min(strongest, 1) * 0.45;
  }
  if (scan.caseless) score -= 0.05;
  return { type, first, last, score: Math.min(0.95, Math.round(score * 100) / 100) };
}

/** "Barnett, Melton and Garcia" on a line of its own or after an organisation cue: one organisation. */
function mergeFirmNames(scan: Scan, found: Candidate[]): Candidate[] {
  const { tokens } = scan;
  const merged: Candidate[] = [];
  for (let n = 0; n < found.length; n++) {
    const a = found[n]!;
    const b = found[n + 1];
    const c = found[n + 2];
    const single = (x: Candidate | undefined) =>
      x !== undefined &&
      (x.first === x.last || (x.last === x.first + 1 && organisationHeads.has(tokens[x.last]!.fold)));
    if (b && c && a.first === a.last && b.first === b.last && single(c)) {
      const shape =
        tokens[a.last + 1]?.text === ',' &&
        b.first === a.last + 2 &&
        (tokens[b.last + 1]?.fold === 'and' ||
          tokens[b.last + 1]?.text === '&' ||
          (tokens[b.last + 1]?.text === ',' && tokens[b.last + 2]?.fold === 'and')) &&
        (c.first === b.last + 2 || c.first === b.last + 3);
      if (shape) {
        const phrases = phrasesBefore(scan, a.first);
        const alone = aloneOnLine(scan, a.first, c.last);
        if (
          alone ||
          /^(?:the|for|at|of|with|from|by)$/.test(phrases[0] ?? '') ||
          cueWeight(organisationBefore, phrases) >= 0.35
        ) {
          merged.push({ first: a.first, last: c.last, initial: a.initial });
          n += 2;
          continue;
        }
      }
    }
    // "Johnson & Johnson", "Procter & Gamble".
    const uncommon = (c: Candidate) =>
      tokens.slice(c.first, c.last + 1).some((t) => t.kind === 'word' && !isCommonFold(t.fold));
    if (b && tokens[a.last + 1]?.text === '&' && b.first === a.last + 2 && (uncommon(a) || uncommon(b))) {
      merged.push({ first: a.first, last: b.last, initial: a.initial });
      n += 1;
      continue;
    }
    merged.push(a);
  }
  return merged;
}

/**
 * People, organisations and places in `tokens`. `claimed` marks tokens that another recogniser already took
 * (an e-mail address, a street address).
 */
export function findProperNouns(
  text: string,
  tokens: Token[],
  caseless: boolean,
  claimed: Uint8Array,
): ProperNoun[] {
  const scan: Scan = { text, tokens, caseless, claimed };
  const found: ProperNoun[] = [];
  let previousLine: ProperNoun | undefined;
  let previousLineIndex = -2;
  for (const candidate of mergeFirmNames(scan, candidates(scan))) {
    const firm =
      candidate.last > candidate.first &&
      tokens.slice(candidate.first, candidate.last + 1).some((t) => t.fold === 'and' || t.text === '&');
    const result = firm
      ? { type: 'ORGANIZATION' as const, first: candidate.first, last: candidate.last, score: 0.75 }
      : classify(
          scan,
          candidate,
          tokens[candidate.first]!.line === previousLineIndex + 1 ? previousLine : undefined,
          found.at(-1),
        );
    if (!result) continue;
    found.push(result);
    if (aloneOnLine(scan, result.first, result.last)) {
      previousLine = result;
      previousLineIndex = tokens[result.first]!.line;
    }
  }
  found.push(...cuedLowerCaseNames(scan, found));
  return found;
}

/** "my name is nina", "call me bob": a name written in lower case right after a strong cue. */
function cuedLowerCaseNames(scan: Scan, found: ProperNoun[]): ProperNoun[] {
  if (scan.caseless) return [];
  const { tokens } = scan;
  const taken = new Set(found.map((f) => f.first));
  const extra: ProperNoun[] = [];
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    const previous = tokens[i - 1]!;
    if (!isWord(t) || !strongCueEnds.has(previous.kind === 'word' ? previous.fold : previous.text)) continue;
    if (isCapitalised(t) || taken.has(i) || scan.claimed[i]) continue;
    if (isCommonFold(t.fold) && !givenNames.has(t.fold)) continue;
    if (cueWeight(personBefore, phrasesBefore(scan, i)) < 0.45) continue;
    let last = i;
    while (
      isWord(tokens[last + 1]) &&
      sameLine(tokens[last], tokens[last + 1]) &&
      !isCommonFold(tokens[last + 1]!.fold) &&
      last - i < 2
    )
      last++;
    extra.push({ type: 'PERSON', first: i, last, score: 0.6 });
  }
  return extra;
}

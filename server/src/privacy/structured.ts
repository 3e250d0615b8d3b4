// Recognisers for data with a shape: e-mail addresses, phone numbers, payment cards, IBANs, IP addresses, US
// social security numbers, URLs, dates of birth and secrets. Every pattern is linear: bounded quantifiers, no
// quantified group that can match the same text two ways, so a 100s-of-KB input cannot make them backtrack.
import { ibanLengths, ibanValid, luhnValid } from './checksums.ts';
import type { EntityType } from './types.ts';

export type Push = (type: EntityType, start: number, end: number, score: number) => void;

/** The `width` characters before `start`, lower case. */
function before(text: string, start: number, width: number): string {
  return text.slice(Math.max(0, start - width), start).toLowerCase();
}

function after(text: string, end: number, width: number): string {
  return text.slice(end, end + width).toLowerCase();
}

const clamp = (score: number) => Math.max(0, Math.min(1, Math.round(score * 100) / 100));

// ------------------------------------------------------------------------------------------------ e-mail

// Found from each "@": the local part is read backwards by hand, the domain with a sticky pattern. Linear: each
// character is looked at a bounded number of times.
const emailDomain = /(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,62})\.){1,8}\p{L}{2,24}(?![\p{L}\p{N}-])/uy;
const localChar = /[\p{L}\p{N}._%+'-]/u;

export function findEmails(text: string, push: Push): void {
  let lastEnd = 0;
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > lastEnd && at - start < 64 && isLocalChar(text, start - 1)) start--;
    // A local part starts with neither a dot nor a quote.
    while (start < at && (text[start] === '.' || text[start] === "'")) start++;
    if (start === at || (start > 0 && isLocalChar(text, start - 1))) continue;
    emailDomain.lastIndex = at + 1;
    const domain = emailDomain.exec(text);
    if (!domain) continue;
    const end = at + 1 + domain[0].length;
    push('EMAIL', start, end, 0.95);
    lastEnd = end;
  }
}

function isLocalChar(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  if ((code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57)) return true;
  if (code < 128) return code === 46 || code === 95 || code === 37 || code === 43 || code === 45;
  return localChar.test(text[index]!);
}

// ------------------------------------------------------------------------------------------------- phone

// Optional country code, an optional area code in parentheses ("(0)71", "(579)"), then digit groups with
// exactly one separator between them, and an optional extension. Separators are mandatory between groups, so
// a run of digits splits one way only.
const phonePattern =
  /(?<![\p{L}\p{N}+\-./@_])(?:(?:\+|00)\d{1,3}(?:[ .-]?\(0\))?[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{1,12}(?:(?:[ ./-]|\s-\s)\d{1,8}){0,6}(?:\s{0,2}(?:x|ext\.?|extension|#)\s{0,2}\d{1,6})?(?![\p{L}\p{N}_]|[.\-/]\d)/giu;
const phoneContext =
  /(?:phone|tel\b|telephone|mobile|cell|fax|call|calling|text me|sms|whatsapp|signal|contact|reach me|dial|hotline|desk|office|number|nummer|numero|ring)/;
const phoneAfterContext = /^\s{0,3}[-–(]?\s{0,2}(?:office|fax|mobile|cell|home|work|desk|tel|phone)/;
// A date (and maybe the hour of a time): "1992-11-12", "1992-11-12 07", "12.03.1990", "3/4/21".
const datePattern =
  /^(?:(?:19|20)\d\d[./-](?:0?[1-9]|1[0-2])[./-](?:0?[1-9]|[12]\d|3[01])|(?:0?[1-9]|[12]\d|3[01])[./-](?:0?[1-9]|1[0-2])[./-](?:(?:19|20)?\d\d)|(?:0?[1-9]|1[0-2])[./-](?:0?[1-9]|[12]\d|3[01])[./-](?:(?:19|20)?\d\d))(?: \d{1,2})?$/;
const numberWithThousands = /^\d{1,3}(?:[.,]\d{3})+$/;

export function findPhones(text: string, push: Push): void {
  if (!/\d\d/.test(text)) return;
  for (const match of text.matchAll(phonePattern)) {
    const value = match[0];
    const start = match.index;
    const end = start + value.length;
    let digits = 0;
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i);
      if (code >= 48 && code <= 57) digits++;
    }
    const international = value.startsWith('+') || (value.startsWith('00') && /^00\d/.test(value));
    if (digits < 7 || digits > 15) continue;
    if (datePattern.test(value) || numberWithThousands.test(value)) continue;
    const groups = value.split(/[^\d]+/).filter(Boolean);
    const parenthesised = value.includes('(');
    const extension = /(?:x|ext|#)\s{0,2}\d+$/i.test(value);
    const separators = groups.length - 1;
    let score: number;
    if (international && digits >= 8) score = 0.65;
    else if (parenthesised && digits >= 8) score = 0.6;
    else if (/^\d{3}[-. ]\d{3}[-. ]\d{4}/.test(value)) score = 0.6;
    else if (separators >= 2 && digits >= 9) score = 0.55;
    else if (/^\d{3}[-. ]\d{4}$/.test(value) || (separators === 1 && digits >= 10)) score = 0.5;
    else if (separators >= 1) score = 0.42;
    else score = 0.3;
    if (extension) score += 0.1;
    // A year-like first group followed by small numbers ("2004 100") reads as two numbers.
    if (separators === 1 && /\s/.test(value) && /^(?:19|20)\d\d\s/.test(value)) score -= 0.15;
    if (/[$€£¥]\s?$/.test(before(text, start, 2))) score -= 0.4;
    if (phoneContext.test(before(text, start, 40)) || phoneAfterContext.test(after(text, end, 12))) {
      score += 0.35;
    }
    push('PHONE', start, end, clamp(Math.min(score, 0.95)));
  }
}

// ------------------------------------------------------------------------------------------ payment card

const cardPattern = /(?<![\p{L}\p{N}_.+-])\d(?:[ -]?\d){11,18}(?![\p{L}\p{N}_]|[.-]\d)/gu;
const cardContext =
  /(?:card|credit|debit|\bcc\b|visa|mastercard|master card|amex|american express|discover|maestro|jcb|diners|pan\b|payment)/;

/** Issuer prefixes (IIN ranges) of the card networks in use. */
function knownIssuer(digits: string): boolean {
  const two = Number(digits.slice(0, 2));
  const four = Number(digits.slice(0, 4));
  const three = Number(digits.slice(0, 3));
  const six = Number(digits.slice(0, 6));
  if (digits[0] === '4') return true; // Visa
  if (two >= 51 && two <= 55) return true; // Mastercard
  if (four >= 2221 && four <= 2720) return true; // Mastercard 2-series
  if (two === 34 || two === 37) return true; // American Express
  if (four === 6011 || two === 65 || (three >= 644 && three <= 649)) return true; // Discover
  if (six >= 622126 && six <= 622925) return true; // Discover / UnionPay co-brand
  if (two === 62 || two === 81) return true; // UnionPay
  if (four >= 3528 && four <= 3589) return true; // JCB
  if (four === 2131 || four === 1800) return true; // JCB (15 digits)
  if ((three >= 300 && three <= 305) || two === 36 || two === 38 || two === 39 || four === 3095) return true; // Diners
  if (two === 50 || (two >= 56 && two <= 69)) return true; // Maestro and others
  if (four >= 2200 && four <= 2204) return true; // Mir
  return false;
}

export function findCards(text: string, push: Push): void {
  if (!/\d{4}/.test(text)) return;
  for (const match of text.matchAll(cardPattern)) {
    const value = match[0];
    const digits = value.replace(/[ -]/g, '');
    if (digits.length < 12 || digits.length > 19 || !luhnValid(digits)) continue;
    // Separators, when there are any, are all the same kind and make groups of 3 to 6 digits.
    const separators = new Set(value.replace(/\d/g, ''));
    const groups = value.split(/[ -]/);
    const tidy =
      separators.size === 0 || (separators.size === 1 && groups.every((g) => g.length >= 3 && g.length <= 6));
    if (!tidy) continue;
    if (/^(\d)\1+$/.test(digits)) continue;
    let score = knownIssuer(digits) ? 0.85 : 0.55;
    if (cardContext.test(before(text, match.index, 40))) score += 0.1;
    push('CREDIT_CARD', match.index, match.index + value.length, clamp(score));
  }
}

// -------------------------------------------------------------------------------------------------- IBAN

// Groups of exactly four (the last shorter): a run of characters splits one way only.
const ibanPattern =
  /(?<![\p{L}\p{N}_])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![\p{L}\p{N}_])/giu;

export function findIbans(text: string, push: Push): void {
  if (!/[A-Za-z]{2}\d{2}/.test(text)) return;
  for (const match of text.matchAll(ibanPattern)) {
    const raw = match[0];
    const country = raw.slice(0, 2).toUpperCase();
    const length = ibanLengths[country];
    if (length === undefined) continue;
    // Take exactly the country's length of characters (a number after the IBAN must not be swallowed).
    let compact = '';
    let end = 0;
    for (; end < raw.length && compact.length < length; end++) {
      if (raw[end] !== ' ') compact += raw[end]!.toUpperCase();
    }
    if (compact.length !== length || !ibanValid(compact)) continue;
    if (end < raw.length && raw[end] !== ' ') continue; // the account number goes on: not this IBAN
    push('IBAN', match.index, match.index + end, 0.95);
  }
}

// ------------------------------------------------------------------------------------------------ IP

const ipv4Pattern = /(?<![\p{L}\p{N}_.])(?:\d{1,3}\.){3}\d{1,3}(?![\p{L}\p{N}_]|\.\d)/gu;
const ipContext =
  /(?:\bip\b|address|server|host|client|gateway|router|dns|subnet|ping|blocked|firewall|connect)/;
// Hex groups with single colons; "::" at most once (checked below).
const ipv6Pattern =
  /(?<![\p{L}\p{N}_:.])(?:[0-9a-f]{0,4}:){2,7}(?:[0-9a-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\p{L}\p{N}_:])/giu;

export function findIps(text: string, push: Push): void {
  if (/\d\.\d{1,3}\.\d/.test(text)) {
    for (const match of text.matchAll(ipv4Pattern)) {
      const octets = match[0].split('.');
      if (octets.some((o) => Number(o) > 255 || (o.length > 1 && o[0] === '0'))) continue;
      let score = 0.75;
      if (/(?:version|\bv|release)\s?$/.test(before(text, match.index, 10))) score -= 0.4;
      if (ipContext.test(before(text, match.index, 40))) score += 0.15;
      push('IP_ADDRESS', match.index, match.index + match[0].length, clamp(score));
    }
  }
  if (/::|[0-9a-f]{1,4}:[0-9a-f]{1,4}:[0-9a-f]{1,4}/i.test(text)) {
    for (const match of text.matchAll(ipv6Pattern)) {
      if (validIpv6(match[0])) push('IP_ADDRESS', match.index, match.index + match[0].length, 0.85);
    }
  }
}

function validIpv6(value: string): boolean {
  const doubles = value.split('::').length - 1;
  if (doubles > 1) return false;
  let groups = value.split(':');
  let v4 = 0;
  if (value.includes('.')) {
    v4 = 2;
    groups = groups.slice(0, -1);
  }
  const filled = groups.filter((g) => g !== '');
  if (filled.some((g) => g.length > 4)) return false;
  if (doubles === 0) {
    if (groups.length + v4 !== 8 || filled.length !== groups.length) return false;
  } else if (filled.length + v4 > 7) {
    return false;
  } else if (filled.length + v4 < 2 && !/^::(?:1|ffff:)/i.test(value)) {
    return false; // "a::b"-like fragments in code are not addresses
  }
  // Single empty groups only around the "::".
  const stripped = value.replace('::', ':x:');
  if (stripped.split(':').some((g, i, all) => g === '' && i !== 0 && i !== all.length - 1)) return false;
  return /[0-9]/.test(value) || doubles === 1;
}

// ------------------------------------------------------------------------------------------------ US SSN

const ssnPattern = /(?<![\p{L}\p{N}_-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\p{L}\p{N}_]|-\d)/gu;
const ssnContext = /(?:\bssn|social security|social-security|\bsocial\b|\bss#|taxpayer|\btin\b|\bitin\b)/;

export function findSsns(text: string, push: Push): void {
  if (!/\d{3}[- ]?\d{2}[- ]?\d{4}/.test(text)) return;
  for (const match of text.matchAll(ssnPattern)) {
    const [, area, separator, group, serial] = match as unknown as [string, string, string, string, string];
    const areaNumber = Number(area);
    if (areaNumber === 0 || areaNumber === 666 || areaNumber >= 900) continue;
    if (group === '00' || serial === '0000') continue;
    const context = ssnContext.test(before(text, match.index, 50));
    let score = separator === '-' ? 0.6 : separator === ' ' ? 0.4 : 0.2;
    if (context) score += 0.35;
    push('US_SSN', match.index, match.index + match[0].length, clamp(score));
  }
}

// -------------------------------------------------------------------------------------------------- URL

const urlPattern = /\b(?:https?|ftp|wss?):\/\/[^\s<>"'`{}|\\^]{1,2048}/gi;
const wwwPattern =
  /(?<![\p{L}\p{N}_./@-])www\.[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){1,6}(?:[/?#][^\s<>"'`{}|\\^]{0,2048})?/giu;
// Bare domains ("example.com/page") only with the common top-level domains: "module.exports" or "file.ts" in
// code must not read as a URL. Found from each ".com" (etc.): the labels before it are read backwards by hand.
const bareDomainEnd = /\.(?:com|org|net|edu|gov|io|co)(?:\.[a-z]{2})?(?![\p{L}\p{N}_@-])/giu;
const pathAfter = /\/[^\s<>"'`{}|\\^]{0,2048}/y;

function isDomainChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    code === 45 ||
    code === 46
  );
}

/** Trailing punctuation that ends a sentence rather than the URL; an unbalanced ")" too. */
function trimUrl(value: string): string {
  let end = value.length;
  while (end > 0 && '.,;:!?\'"'.includes(value[end - 1]!)) end--;
  let trimmed = value.slice(0, end);
  while (trimmed.endsWith(')') && count(trimmed, '(') < count(trimmed, ')')) trimmed = trimmed.slice(0, -1);
  while (trimmed.endsWith(']') && count(trimmed, '[') < count(trimmed, ']')) trimmed = trimmed.slice(0, -1);
  return trimmed;
}

const count = (value: string, char: string) => value.split(char).length - 1;

export function findUrls(text: string, push: Push): void {
  if (text.includes('://')) {
    for (const match of text.matchAll(urlPattern)) {
      const value = trimUrl(match[0]);
      if (value.length > match[0].indexOf('//') + 3)
        push('URL', match.index, match.index + value.length, 0.85);
    }
  }
  if (/www\./i.test(text)) {
    for (const match of text.matchAll(wwwPattern)) {
      push('URL', match.index, match.index + trimUrl(match[0]).length, 0.75);
    }
  }
  for (const match of text.matchAll(bareDomainEnd)) {
    let start = match.index;
    while (start > 0 && match.index - start < 253 && isDomainChar(text.charCodeAt(start - 1))) start--;
    while (start < match.index && (text[start] === '.' || text[start] === '-')) start++;
    const before = start > 0 ? text[start - 1]! : ' ';
    // Part of an e-mail address or a URL found above, or a label missing: not a bare domain.
    if (start === match.index || /[\p{L}\p{N}_./@:-]/u.test(before)) continue;
    let end = match.index + match[0].length;
    pathAfter.lastIndex = end;
    const path = pathAfter.exec(text);
    if (path) end += path[0].length;
    push('URL', start, start + trimUrl(text.slice(start, end)).length, 0.6);
  }
}

// -------------------------------------------------------------------------------------------- date of birth

const months =
  'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
const datePatterns = new RegExp(
  [
    String.raw`\b\d{4}-\d{1,2}-\d{1,2}\b`,
    String.raw`\b\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})\b`,
    String.raw`\b\d{1,2}(?:st|nd|rd|th)?\s(?:of\s)?(?:${months})\.?,?\s\d{4}\b`,
    String.raw`\b(?:${months})\.?\s\d{1,2}(?:st|nd|rd|th)?,?\s\d{4}\b`,
  ].join('|'),
  'gi',
);
const birthContext =
  /(?:\bborn\b|\bbirth|\bdob\b|d\.o\.b|birthday|\bb\.\s?$|geboren|\bnée?\b|naissance|nacimiento|nascita)/;

export function findDatesOfBirth(text: string, push: Push): void {
  if (!/[0-9]/.test(text) || !birthContext.test(text.toLowerCase())) return;
  for (const match of text.matchAll(datePatterns)) {
    if (!birthContext.test(before(text, match.index, 60))) continue;
    push('DATE_OF_BIRTH', match.index, match.index + match[0].length, 0.85);
  }
}

// ------------------------------------------------------------------------------------------------ secrets

interface SecretPattern {
  pattern: RegExp;
  score: number;
  /** Cheap test that must pass before the pattern runs. */
  hint: string | RegExp;
  /** The capture group that holds the secret (the rest is context, e.g. "password="). */
  group?: number;
}

const keyValueHint = /pass|secret|token|key|pwd|pin/i;

const secretPatterns: SecretPattern[] = [
  { hint: 'sk-ant-', score: 0.97, pattern: /\bsk-ant-[a-z0-9]{2,12}-[A-Za-z0-9_-]{20,256}/g },
  {
    hint: 'sk-',
    score: 0.95,
    pattern: /\bsk-(?!ant-)(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,256}/g,
  },
  { hint: /A[KSBCIR][IO]A/, score: 0.95, pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|AIDA|AROA)[A-Z0-9]{16}\b/g },
  { hint: 'gh', score: 0.95, pattern: /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/g },
  { hint: 'github_pat_', score: 0.97, pattern: /\bgithub_pat_[A-Za-z0-9_]{22,255}\b/g },
  { hint: 'glpat-', score: 0.95, pattern: /\bglpat-[A-Za-z0-9_-]{20,64}\b/g },
  { hint: 'xox', score: 0.95, pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,250}/g },
  { hint: '_live_', score: 0.97, pattern: /\b(?:sk|rk)_live_[A-Za-z0-9]{10,250}\b/g },
  { hint: '_test_', score: 0.9, pattern: /\b(?:sk|rk)_test_[A-Za-z0-9]{10,250}\b/g },
  { hint: 'whsec_', score: 0.95, pattern: /\bwhsec_[A-Za-z0-9+/=]{20,250}/g },
  { hint: 'AIza', score: 0.95, pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  { hint: 'hf_', score: 0.9, pattern: /\bhf_[A-Za-z0-9]{30,64}\b/g },
  { hint: 'npm_', score: 0.9, pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { hint: 'SG.', score: 0.95, pattern: /\bSG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}\b/g },
  {
    hint: 'eyJ',
    score: 0.9,
    pattern: /\beyJ[A-Za-z0-9_-]{5,4096}\.eyJ[A-Za-z0-9_-]{5,8192}\.[A-Za-z0-9_-]{10,4096}/g,
  },
  {
    hint: 'hooks.slack.com',
    score: 0.95,
    pattern: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]{20,200}/g,
  },
  {
    // password=…, "api_key": "…", token: …; the value only (the key stays readable).
    hint: keyValueHint,
    score: 0.8,
    group: 1,
    pattern:
      /(?<![A-Za-z0-9])(?:password|passwd|passphrase|pwd|pass|secret|client_secret|api_key|apikey|api-key|api key|access_token|auth_token|refresh_token|private_key|secret_key|aws_secret_access_key|token)["']?\s{0,3}[:=]\s{0,3}(?![\s,;])("[^"\n]{1,200}"|'[^'\n]{1,200}'|[^\s,;'"&<>]{1,200})/gi,
  },
  {
    // "my password is hunter2"
    hint: keyValueHint,
    score: 0.75,
    group: 1,
    pattern: /\b(?:password|passphrase|passcode|pin code|pin)\s(?:is|was)\s["']?([^\s,;'"]{3,200})/gi,
  },
];

const nonValue =
  /^(?:<.*>|\$\{.*\}|\{\{.*\}\}|\*+|x+|\.+|null|none|undefined|true|false|required|optional|string)$/i;

const pemBegin = /-----BEGIN (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----/g;

export function findSecrets(text: string, push: Push): void {
  for (const { hint, pattern, score, group } of secretPatterns) {
    if (typeof hint === 'string' ? !text.includes(hint) : !hint.test(text)) continue;
    for (const match of text.matchAll(pattern)) {
      if (group === undefined) {
        push('SECRET', match.index, match.index + match[0].length, score);
        continue;
      }
      const value = match[group]!;
      let valueStart = match.index + match[0].length - value.length;
      let valueEnd = match.index + match[0].length;
      // Quoted values: the quotes stay, the value goes.
      if (/^["']/.test(value) && value.length > 2) {
        valueStart++;
        valueEnd--;
      }
      // Placeholders and obvious non-values ("password=<your password>", "token: null").
      if (nonValue.test(text.slice(valueStart, valueEnd))) continue;
      push('SECRET', valueStart, valueEnd, score);
    }
  }
  if (text.includes('PRIVATE KEY')) {
    pemBegin.lastIndex = 0;
    for (let match = pemBegin.exec(text); match; match = pemBegin.exec(text)) {
      const endMarker = text.indexOf('-----END', match.index + match[0].length);
      if (endMarker === -1) {
        push('SECRET', match.index, text.length, 0.9);
        break;
      }
      const close = text.indexOf('-----', endMarker + 8);
      const end = close === -1 ? text.length : close + 5;
      push('SECRET', match.index, end, 0.97);
      pemBegin.lastIndex = end;
    }
  }
}

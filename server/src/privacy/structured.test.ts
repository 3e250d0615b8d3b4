import { describe, expect, it } from 'vitest';
import { ibanValid, luhnValid } from './checksums.ts';
import { detect } from './detect.ts';
import type { EntityType } from './types.ts';

/** The findings of one type, as text. */
function found(text: string, type: EntityType): string[] {
  return detect(text, { types: [type] }).map((f) => text.slice(f.start, f.end));
}

describe('checksums', () => {
  it('Luhn', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111 1111 1111 1111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('')).toBe(false);
  });

  it('IBAN mod 97', () => {
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanValid('GB82WEST12345698765433')).toBe(false);
    expect(ibanValid('GB82')).toBe(false);
  });
});

describe('structured recognisers', () => {
  it('e-mail addresses, also with Unicode and plus-addressing', () => {
    expect(found('write to anna.berg+news@example.co.uk today', 'EMAIL')).toEqual([
      'anna.berg+news@example.co.uk',
    ]);
    expect(found('mail: jörg@müller.de.', 'EMAIL')).toEqual(['jörg@müller.de']);
    expect(found('not an address: @handle or a@b', 'EMAIL')).toEqual([]);
  });

  it('phone numbers in international formats', () => {
    const numbers = [
      '+1-903-140-4508x769',
      '+41 (0)71 526 99 04',
      '(579)888-3058',
      '+447700677662',
      '07700 063 966',
      '03.93.92.16.85',
      '+49 30 901820',
      '0049 30 901820',
      '+33 1 42 68 53 00',
      '555-0134',
    ];
    for (const number of numbers) expect(found(`Call me on ${number} please`, 'PHONE')).toEqual([number]);
    // Dates, years and amounts are not phone numbers.
    expect(found('Since 1992-11-12 07:04:41 we sold 1,234,567 units for $ 2004 100', 'PHONE')).toEqual([]);
    expect(found('the meeting on 12.03.2024 at 10', 'PHONE')).toEqual([]);
  });

  it('payment cards: Luhn-valid numbers of a known network, with or without separators', () => {
    expect(found('card 4111 1111 1111 1111 expires', 'CREDIT_CARD')).toEqual(['4111 1111 1111 1111']);
    expect(found('amex 378282246310005', 'CREDIT_CARD')).toEqual(['378282246310005']);
    expect(found('card 5555-5555-5555-4444', 'CREDIT_CARD')).toEqual(['5555-5555-5555-4444']);
    expect(found('order 4111111111111112', 'CREDIT_CARD')).toEqual([]); // fails Luhn
    expect(found('mixed 4111 1111-1111 1111', 'CREDIT_CARD')).toEqual([]);
  });

  it('IBANs with a valid checksum, grouped or not, any case', () => {
    expect(found('IBAN DE89 3704 0044 0532 0130 00, thanks', 'IBAN')).toEqual([
      'DE89 3704 0044 0532 0130 00',
    ]);
    expect(found('my iban is gb82west12345698765432', 'IBAN')).toEqual(['gb82west12345698765432']);
    expect(found('IBAN GB82WEST12345698765433', 'IBAN')).toEqual([]);
    // The number after the IBAN is not part of it.
    expect(found('DE89370400440532013000 1234', 'IBAN')).toEqual(['DE89370400440532013000']);
  });

  it('IP addresses v4 and v6', () => {
    expect(found('blocked 165.165.185.178 and 10.0.0.1', 'IP_ADDRESS')).toEqual([
      '165.165.185.178',
      '10.0.0.1',
    ]);
    expect(found('host 2001:db8::8a2e:370:7334 and ::1', 'IP_ADDRESS')).toEqual([
      '2001:db8::8a2e:370:7334',
      '::1',
    ]);
    expect(found('6e40:4041:c617:e898:c11:40d2:c669:2eb4', 'IP_ADDRESS')).toEqual([
      '6e40:4041:c617:e898:c11:40d2:c669:2eb4',
    ]);
    expect(found('not 256.1.1.1, not 1.2.3.4.5, not 12:30:45, not version 1.2.3.4', 'IP_ADDRESS')).toEqual(
      [],
    );
  });

  it('US social security numbers, stronger with context', () => {
    expect(found('SSN: 078-05-1120', 'US_SSN')).toEqual(['078-05-1120']);
    expect(found('social security number 078 05 1120', 'US_SSN')).toEqual(['078 05 1120']);
    expect(found('ssn 000-12-3456 or 666-12-3456 or 900-12-3456', 'US_SSN')).toEqual([]);
    expect(found('ref 123456789', 'US_SSN')).toEqual([]);
  });

  it('URLs, without the punctuation that ends a sentence', () => {
    expect(found('see https://example.com/a?b=1 for more.', 'URL')).toEqual(['https://example.com/a?b=1']);
    expect(found('(https://en.wikipedia.org/wiki/Fidus_(software)).', 'URL')).toEqual([
      'https://en.wikipedia.org/wiki/Fidus_(software)',
    ]);
    expect(found('visit www.example.org or example.com/page', 'URL')).toEqual([
      'www.example.org',
      'example.com/page',
    ]);
    expect(found('module.exports and file.ts are code', 'URL')).toEqual([]);
  });

  it('dates of birth need a birth context', () => {
    expect(found('She was born on 9/20/1968.', 'DATE_OF_BIRTH')).toEqual(['9/20/1968']);
    expect(found('DOB: 1990-04-13', 'DATE_OF_BIRTH')).toEqual(['1990-04-13']);
    expect(found('date of birth 12 March 1990', 'DATE_OF_BIRTH')).toEqual(['12 March 1990']);
    expect(found('The invoice is due on 9/20/2024.', 'DATE_OF_BIRTH')).toEqual([]);
  });

  it('secrets of the well-known providers', () => {
    const secrets = [
      'sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789',
      'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AA',
      'AKIAIOSFODNN7EXAMPLE',
      'ghp_0123456789abcdefghijABCDEFGHIJ012345',
      'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz',
      'xoxb-1234567890-0987654321-AbCdEfGhIjKlMn',
      'sk_live_51HabcdefghijklmnopqrstUV',
      'AIzaSyA-1234567890abcdefghijklmnopqrstu',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk',
      'glpat-abcdefghij0123456789',
    ];
    for (const secret of secrets) expect(found(`key: ${secret} ok`, 'SECRET')).toEqual([secret]);
  });

  it('private keys and passwords in key=value form (the value only)', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nabc==\n-----END RSA PRIVATE KEY-----';
    expect(found(`here:\n${pem}\nthanks`, 'SECRET')).toEqual([pem]);
    expect(found('DB_PASSWORD=s3cr3t! and api_key: "abc def" and {"token": "tok_123"}', 'SECRET')).toEqual([
      's3cr3t!',
      'abc def',
      'tok_123',
    ]);
    expect(found('my password is hunter2', 'SECRET')).toEqual(['hunter2']);
    expect(found('password=<your password> token: null', 'SECRET')).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { agentPickerQuery, mentionQuery, namesAgent, parseMention } from './mention.ts';

const agents = [{ name: 'Weather' }, { name: 'Weather desk' }, { name: 'Scribe' }];

describe('parseMention', () => {
  it('takes the agent a message starts with and the task after it', () => {
    expect(parseMention('@Scribe write a haiku', agents)).toEqual({
      agent: agents[2],
      input: 'write a haiku',
    });
  });

  it('prefers the longest name, since names may hold spaces', () => {
    expect(parseMention('@Weather desk Lyon?', agents)).toEqual({ agent: agents[1], input: 'Lyon?' });
    expect(parseMention('@Weather Lyon?', agents)).toEqual({ agent: agents[0], input: 'Lyon?' });
  });

  it('matches names without regard to case, and takes a task on the next line', () => {
    expect(parseMention('@scribe\nline one\nline two', agents)).toEqual({
      agent: agents[2],
      input: 'line one\nline two',
    });
  });

  it('is not a mention without a known agent, a word boundary or a task', () => {
    expect(parseMention('Scribe write', agents)).toBeUndefined();
    expect(parseMention('@Nobody do it', agents)).toBeUndefined();
    expect(parseMention('@Scribes do it', agents)).toBeUndefined();
    expect(parseMention('@Scribe   ', agents)).toBeUndefined();
    expect(parseMention('an email@Scribe x', agents)).toBeUndefined();
  });
});

describe('mentionQuery', () => {
  it('is what follows the @ while the text is one line', () => {
    expect(mentionQuery('@wea')).toBe('wea');
    expect(mentionQuery('@')).toBe('');
    expect(mentionQuery('hello @wea')).toBeUndefined();
    expect(mentionQuery('@wea\nmore')).toBeUndefined();
  });
});

describe('namesAgent', () => {
  it('is true once a known name is followed by a space, whatever comes after', () => {
    expect(namesAgent('@Scribe ', agents)).toBe(true);
    expect(namesAgent('@scribe write', agents)).toBe(true);
    expect(namesAgent('@Weather desk', agents)).toBe(true); // `Weather`, then a space
    expect(namesAgent('@Weather desk ', agents)).toBe(true);
    expect(namesAgent('@Scrib', agents)).toBe(false);
    expect(namesAgent('Scribe ', agents)).toBe(false);
  });
});

describe('agentPickerQuery', () => {
  it('offers agents while a name is being typed, and stops once one is named', () => {
    expect(agentPickerQuery('@', agents)).toBe('');
    expect(agentPickerQuery('@scr', agents)).toBe('scr');
    expect(agentPickerQuery('@Scribe ', agents)).toBeUndefined();
    expect(agentPickerQuery('@Scribe write', agents)).toBeUndefined();
    expect(agentPickerQuery('hello', agents)).toBeUndefined();
  });

  it('goes on while a longer name continues the one typed', () => {
    expect(agentPickerQuery('@Weather ', agents)).toBe('Weather ');
    expect(agentPickerQuery('@Weather d', agents)).toBe('Weather d');
    expect(agentPickerQuery('@Weather desk ', agents)).toBeUndefined();
    expect(agentPickerQuery('@Weather Lyon', agents)).toBeUndefined();
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import {
  addSecret,
  clearSecrets,
  passwordOf,
  redact,
  redactDeep,
  registerUrlPassword,
} from '../src/redact.js';

afterEach(() => clearSecrets());

describe('redact', () => {
  it('replaces URL passwords by shape and every registered secret, longest first', () => {
    addSecret('s3cret-token');
    addSecret('s3cret');
    expect(redact('postgres://u:pw@h/db?password=x&sslmode=require s3cret-token s3cret')).toBe(
      'postgres://u:***@h/db?password=***&sslmode=require *** ***',
    );
    expect(redactDeep({ a: ['s3cret'], s3cret: 1 })).toEqual({ a: ['***'], '***': 1 });
  });

  it('ignores values too short to be secrets', () => {
    addSecret('abc');
    expect(redact('abc')).toBe('abc');
  });
});

describe('registerUrlPassword', () => {
  it('registers the password of a PostgreSQL URL, decoded, from its user part or its parameter', () => {
    expect(passwordOf('postgresql://gate:p%40ss%2Fword@db:5432/app')).toBe('p@ss/word');
    expect(passwordOf('postgres://gate@db/app?password=hunter22')).toBe('hunter22');
    expect(passwordOf('sqlite:///data/app.db')).toBeNull();
    registerUrlPassword('postgresql://gate:p%40ss%2Fword@db:5432/app');
    registerUrlPassword('postgres://gate@db/app?password=hunter22');
    expect(redact('failed for p@ss/word and hunter22')).toBe('failed for *** and ***');
  });

  it('leaves a password that is also the user or database name, which every message shows anyway', () => {
    registerUrlPassword('postgresql://postgres:postgres@127.0.0.1:5432/postgres');
    registerUrlPassword('postgresql://app:appdb@127.0.0.1:5432/appdb');
    expect(redact('role postgres, database appdb')).toBe('role postgres, database appdb');
  });
});

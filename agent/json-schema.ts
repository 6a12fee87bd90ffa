/**
 * Tool arguments and outputs are checked against JSON Schema with Ajv (draft-07, the dialect OpenAI's function
 * parameters use). Each schema is compiled once, on first use, and kept for as long as the schema object lives.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { InputError } from '../core/errors.ts';

/** A JSON Schema object. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** A value checked against a schema: the value, or one line saying what is wrong with it. */
export type SchemaCheck = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

// `strict: false`: schemas written for OpenAI carry keywords Ajv's strict mode rejects (`strict: true` of structured outputs).
const ajv = new Ajv({ allErrors: false, strict: false });
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

/** Compiles a schema (once per schema object); an invalid schema is an `InputError` naming `where`. */
export function compileSchema(schema: JsonSchema, where: string): ValidateFunction {
  const hit = compiled.get(schema);
  if (hit !== undefined) return hit;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new InputError(`Expected ${where} to be a JSON Schema object, got \`${JSON.stringify(schema)}\``);
  }
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw new InputError(`Expected ${where} to be a valid JSON Schema: ${(error as Error).message}`, { cause: error });
  }
  compiled.set(schema, validate);
  return validate;
}

/** Checks a parsed value against a schema. */
export function checkValue(schema: JsonSchema, value: unknown, where: string): SchemaCheck {
  const validate = compileSchema(schema, where);
  if (validate(value)) return { ok: true, value };
  const error = validate.errors?.[0];
  const path = error?.instancePath === undefined || error.instancePath === '' ? 'the value' : `\`${error.instancePath}\``;
  return { ok: false, message: `${path} ${error?.message ?? 'does not match the schema'}` };
}

/** Parses JSON text and checks it against a schema. */
export function checkJson(schema: JsonSchema, text: string, where: string): SchemaCheck {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: `not valid JSON: \`${text.length > 80 ? `${text.slice(0, 80)}...` : text}\`` };
  }
  return checkValue(schema, value, where);
}

/** JSON with object keys sorted at every depth: two values that are equal as JSON give the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value)
    .sort()
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

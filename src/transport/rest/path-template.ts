/**
 * google.api.http path templates (google/api/http.proto):
 *
 *     Template = "/" Segments [ Verb ] ;
 *     Segments = Segment { "/" Segment } ;
 *     Segment  = "*" | "**" | LITERAL | Variable ;
 *     Variable = "{" FieldPath [ "=" Segments ] "}" ;
 *     Verb     = ":" LITERAL ;
 */

type Segment = { kind: "literal"; text: string } | { kind: "one" } | { kind: "rest" };

interface Variable {
  field: string;
  /** Index of the variable's first segment in the flattened template. */
  start: number;
  /** Index after its last segment. */
  end: number;
  /** Bound to exactly one path segment, so an encoded slash in it is just a character. */
  single: boolean;
}

export interface PathTemplate {
  readonly text: string;
  /** The request fields the path binds, in template order. */
  readonly fields: readonly string[];
  /** The template with variable names erased: two templates with one shape match the same paths. */
  readonly shape: string;
  /** Orders templates so that literal segments win over wildcards when several match a path. */
  readonly specificity: readonly number[];
  /** The bound variables of a matching path, percent-decoded, or undefined when the path does not match. */
  match(path: string): Record<string, string> | undefined;
}

const fieldPathPattern = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const literalPattern = /^[^/{}*:=]+$/;

export function parsePathTemplate(text: string): PathTemplate {
  const fail = (why: string): never => {
    throw new Error(`path template ${JSON.stringify(text)}: ${why}`);
  };
  if (!text.startsWith("/")) fail('it must start with "/"');
  const { path, verb } = splitVerb(text.slice(1));
  if (verb !== undefined && !literalPattern.test(verb)) fail(`the verb ${JSON.stringify(verb)} is not a literal`);
  const segments: Segment[] = [];
  const variables: Variable[] = [];
  for (const part of splitOutsideBraces(path)) {
    if (!part.startsWith("{")) {
      segments.push(parseSegment(part, fail));
      continue;
    }
    if (!part.endsWith("}")) fail(`${JSON.stringify(part)} is not a variable`);
    const [field = "", pattern = "*"] = part.slice(1, -1).split(/=(.*)/s);
    if (!fieldPathPattern.test(field)) fail(`${JSON.stringify(field)} is not a field name`);
    // Nested request fields would need a message built field by field; no route of ours binds one.
    if (field.includes(".")) fail(`the nested field path {${field}} is not supported; bind a top-level field`);
    if (variables.some((variable) => variable.field === field)) fail(`the field ${field} is bound twice`);
    const start = segments.length;
    for (const inner of pattern.split("/")) segments.push(parseSegment(inner, fail));
    const single = segments.length === start + 1 && segments[start]!.kind !== "rest";
    variables.push({ field, start, end: segments.length, single });
  }
  if (segments.slice(0, -1).some((segment) => segment.kind === "rest")) fail('"**" may only be the last segment');
  return createTemplate(text, segments, variables, verb);
}

function parseSegment(text: string, fail: (why: string) => never): Segment {
  if (text === "*") return { kind: "one" };
  if (text === "**") return { kind: "rest" };
  if (!literalPattern.test(text)) fail(`${JSON.stringify(text)} is not a literal segment`);
  return { kind: "literal", text };
}

// The verb's colon is the last one outside a variable, after the last slash.
function splitVerb(text: string): { path: string; verb?: string } {
  const colon = text.lastIndexOf(":");
  if (colon < 0 || colon < text.lastIndexOf("}") || colon < text.lastIndexOf("/")) return { path: text };
  return { path: text.slice(0, colon), verb: text.slice(colon + 1) };
}

function splitOutsideBraces(text: string): string[] {
  const parts = [""];
  let depth = 0;
  for (const char of text) {
    if (char === "{") depth++;
    if (char === "}") depth--;
    if (char === "/" && depth === 0) parts.push("");
    else parts[parts.length - 1] += char;
  }
  return parts;
}

function createTemplate(text: string, segments: Segment[], variables: Variable[], verb: string | undefined): PathTemplate {
  const endsWithRest = segments.at(-1)?.kind === "rest";
  const shapeOf = (segment: Segment) => (segment.kind === "literal" ? segment.text : segment.kind === "one" ? "*" : "**");
  return {
    text,
    fields: variables.map((variable) => variable.field),
    shape: `/${segments.map(shapeOf).join("/")}${verb === undefined ? "" : `:${verb}`}`,
    specificity: segments.map((segment) => (segment.kind === "literal" ? 2 : segment.kind === "one" ? 1 : 0)),
    match(path) {
      if (!path.startsWith("/")) return undefined;
      const parts = path.slice(1).split("/");
      if (verb !== undefined) {
        const last = parts.pop() ?? "";
        if (!last.endsWith(`:${verb}`)) return undefined;
        parts.push(last.slice(0, -verb.length - 1));
      }
      const fixed = endsWithRest ? segments.length - 1 : segments.length;
      if (endsWithRest ? parts.length < fixed : parts.length !== fixed) return undefined;
      for (let index = 0; index < fixed; index++) {
        const segment = segments[index]!;
        const part = parts[index]!;
        if (segment.kind === "literal" ? part !== segment.text : part === "") return undefined;
      }
      return bindVariables(variables, parts, segments.length);
    },
  };
}

function bindVariables(variables: Variable[], parts: string[], segmentCount: number): Record<string, string> | undefined {
  const bound: Record<string, string> = {};
  try {
    for (const { field, start, end, single } of variables) {
      const taken = parts.slice(start, end === segmentCount ? parts.length : end);
      // A multi-segment value keeps an encoded slash encoded, so that it stays
      // distinguishable from the separators (http.proto's reserved expansion).
      bound[field] = single
        ? decodeURIComponent(taken[0]!)
        : taken.map((part) => part.split(/%2F/i).map(decodeURIComponent).join("%2F")).join("/");
    }
  } catch {
    return undefined;
  }
  return bound;
}

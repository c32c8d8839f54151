import { getOption, hasOption, type DescField, type DescMessage, type DescMethod } from "@bufbuild/protobuf";
import { http } from "../../../gen/google/api/annotations_pb.js";
import type { HttpRule } from "../../../gen/google/api/http_pb.js";
import { http_success_status } from "../../../gen/sched/v1/http_options_pb.js";
import type { Procedure, StreamCall, UnaryCall } from "../procedures/procedure-table.js";
import { parsePathTemplate, type PathTemplate } from "./path-template.js";
import { queryFieldsOf, type RequestShape } from "./request-message.js";

/** One HTTP binding of an RPC, checked against the descriptors at start-up. */
export interface RestRoute extends RequestShape {
  verb: string;
  template: PathTemplate;
  procedure: Procedure;
  method: DescMethod;
  /** The procedure's implementation, inside its chain: one answer, or a server stream served as Server-Sent Events. */
  handler: { kind: "unary"; call: UnaryCall } | { kind: "server_streaming"; call: StreamCall };
  output: DescMessage;
  /** response_body: the field of the response that is the HTTP body; the whole response when undefined. */
  responseBodyField: DescField | undefined;
  successStatus: number;
}

/**
 * The REST route table, from the google.api.http annotations of the
 * procedure table's methods, most specific template first. Every mistake in an annotation is a
 * start-up error naming the method, so that none surfaces as a request failure.
 */
export function buildRestRoutes(procedures: readonly Procedure[]): RestRoute[] {
  const routes: RestRoute[] = [];
  const seen = new Map<string, string>();
  for (const procedure of procedures) {
    const { method } = procedure;
    if (!hasOption(method, http)) continue;
    const rule = getOption(method, http);
    for (const binding of [rule, ...rule.additionalBindings]) {
      const route = routeOf(procedure, binding, binding !== rule);
      const key = `${route.verb} ${route.template.shape}`;
      const other = seen.get(key);
      if (other !== undefined) fail(method, `${key} is already bound to ${other}`);
      seen.set(key, describe(method));
      routes.push(route);
    }
  }
  return routes.sort((a, b) => compareSpecificity(b.template.specificity, a.template.specificity));
}

function routeOf(procedure: Procedure, rule: HttpRule, nested: boolean): RestRoute {
  const { method, spec } = procedure;
  if (spec.kind !== "unary" && spec.kind !== "server_streaming") {
    return fail(method, "only unary and server-streaming methods can have a google.api.http binding");
  }
  if (!procedure.implemented) fail(method, "it has a google.api.http binding but no implementation");
  if (nested && rule.additionalBindings.length > 0) fail(method, "additional_bindings may not nest");
  const pattern = patternOf(rule) ?? fail(method, "its google.api.http binding has no get, put, post, delete, patch or custom path");
  const template = parseTemplate(method, pattern.path);
  const pathFields = template.fields.map((name): DescField => {
    const field = fieldNamed(method.input, name) ?? fail(method, `the path variable {${name}} is not a field of ${method.input.typeName}`);
    if (field.fieldKind !== "scalar" && field.fieldKind !== "enum") fail(method, `the path variable {${name}} is not a scalar field`);
    return field;
  });
  const bodyField = rule.body === "" ? undefined : rule.body === "*" ? "*" : requiredField(method, method.input, rule.body, "body");
  const responseBodyField = rule.responseBody === "" ? undefined : requiredField(method, method.output, rule.responseBody, "response_body");
  const successStatus = hasOption(method, http_success_status) ? getOption(method, http_success_status) : 200;
  if (successStatus < 200 || successStatus > 299) fail(method, `http_success_status ${successStatus} is not a 2xx status`);
  return {
    verb: pattern.verb,
    template,
    procedure,
    method,
    handler: spec.kind === "unary" ? { kind: "unary", call: spec.impl } : { kind: "server_streaming", call: spec.impl },
    input: method.input,
    output: method.output,
    pathFields,
    bodyField,
    queryFields: queryFieldsOf(method.input, (field) => pathFields.includes(field) || bodyField === "*" || bodyField === field),
    responseBodyField,
    successStatus,
  };
}

function patternOf(rule: HttpRule): { verb: string; path: string } | undefined {
  switch (rule.pattern.case) {
    case undefined:
      return undefined;
    case "custom":
      return { verb: rule.pattern.value.kind.toUpperCase(), path: rule.pattern.value.path };
    default:
      return { verb: rule.pattern.case.toUpperCase(), path: rule.pattern.value };
  }
}

function parseTemplate(method: DescMethod, path: string): PathTemplate {
  try {
    return parsePathTemplate(path);
  } catch (error) {
    return fail(method, (error as Error).message);
  }
}

function requiredField(method: DescMethod, message: DescMessage, name: string, option: string): DescField {
  return fieldNamed(message, name) ?? fail(method, `${option} "${name}" is not a field of ${message.typeName}`);
}

function fieldNamed(message: DescMessage, name: string): DescField | undefined {
  return message.fields.find((field) => field.name === name);
}

function describe(method: DescMethod): string {
  return `${method.parent.typeName}/${method.name}`;
}

function fail(method: DescMethod, why: string): never {
  throw new Error(`${describe(method)}: ${why}`);
}

function compareSpecificity(a: readonly number[], b: readonly number[]): number {
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    const difference = a[index]! - b[index]!;
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

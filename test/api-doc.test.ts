import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { getOption, hasOption, type DescFile, type DescMessage, type DescMethod } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { http } from "../gen/google/api/annotations_pb.js";
import type { HttpRule } from "../gen/google/api/http_pb.js";
import { http_success_status } from "../gen/sched/v1/http_options_pb.js";
import { errorStatuses, restProtocolStatuses } from "../src/transport/errors/error-table.js";

/*
 * docs/api.md is the users' contract. It is checked against what the server
 * is built from: every RPC of every generated sched.v1 service with each of
 * its google.api.http bindings and success status, the fields of its request
 * and of everything it answers, and every row of the one error table with its
 * HTTP status and gRPC code. Adding an RPC, a field or an error code without
 * documenting it fails here, and so does documenting one that does not exist.
 */

const apiDoc = readFileSync(fileURLToPath(new URL("../docs/api.md", import.meta.url)), "utf8");
const genFolder = fileURLToPath(new URL("../gen/sched/v1/", import.meta.url));

/** Every generated file of the package, found by listing gen/, so a new service file is covered too. */
async function schedFiles(): Promise<DescFile[]> {
  const files: DescFile[] = [];
  for (const name of readdirSync(genFolder).filter((file) => file.endsWith("_pb.ts"))) {
    const module = (await import(/* @vite-ignore */ pathToFileURL(join(genFolder, name)).href)) as Record<string, unknown>;
    for (const [exported, value] of Object.entries(module)) {
      if (exported.startsWith("file_")) files.push(value as DescFile);
    }
  }
  return files;
}

const files = await schedFiles();
const methods: DescMethod[] = files.flatMap((file) => file.services.flatMap((service) => service.methods));

/** The doc's table rows, each as its trimmed cells. */
const rows: string[][] = apiDoc
  .split("\n")
  .filter((line) => line.startsWith("|") && !/^\|\s*-/.test(line))
  .map((line) => line.slice(1, line.lastIndexOf("|")).split("|").map((cell) => cell.trim()));

function bindingsOf(method: DescMethod): Array<{ verb: string; path: string }> {
  if (!hasOption(method, http)) return [];
  const rule = getOption(method, http);
  return [rule, ...rule.additionalBindings].map((binding: HttpRule) => {
    const pattern = binding.pattern;
    if (pattern.case === "custom") return { verb: pattern.value.kind.toUpperCase(), path: pattern.value.path };
    if (pattern.case === undefined) throw new Error(`${method.parent.name}.${method.name}: a binding without a path`);
    return { verb: pattern.case.toUpperCase(), path: pattern.value };
  });
}

function grpcName(code: Code): string {
  return Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

/** The paragraph of the doc that describes the RPC: from "`Name` —" to the next blank line. */
function paragraphOf(method: DescMethod): string {
  const start = apiDoc.indexOf(`\`${method.name}\` —`);
  if (start === -1) return "";
  const end = apiDoc.indexOf("\n\n", start);
  return apiDoc.slice(start, end === -1 ? undefined : end);
}

/** Messages of sched.v1 an RPC answers with, and those they contain. */
function answeredMessages(): DescMessage[] {
  const found = new Map<string, DescMessage>();
  const visit = (message: DescMessage): void => {
    if (!message.typeName.startsWith("sched.") || found.has(message.typeName)) return;
    found.set(message.typeName, message);
    for (const field of message.fields) if (field.message !== undefined) visit(field.message);
  };
  for (const method of methods) visit(method.output);
  return [...found.values()];
}

const mentions = (text: string, word: string): boolean => new RegExp(`\\b${word}\\b`).test(text);

describe("docs/api.md", () => {
  it("finds the generated services", () => {
    expect(methods.length).toBeGreaterThan(0);
  });

  it.each(methods.map((method) => [`${method.parent.name}.${method.name}`, method] as const))(
    "documents %s with its REST binding and success status",
    (_name, method) => {
      const success = hasOption(method, http_success_status) ? getOption(method, http_success_status) : 200;
      const bindings = bindingsOf(method);
      expect(bindings.length, "every RPC has a google.api.http binding").toBeGreaterThan(0);
      for (const { verb, path } of bindings) {
        const row = rows.find(
          (cells) =>
            cells.includes(`\`${method.parent.name}\``) &&
            cells.includes(`\`${method.name}\``) &&
            cells.includes(`\`${verb} ${path}\``),
        );
        expect(row, `a row | \`${method.parent.name}\` | \`${method.name}\` | \`${verb} ${path}\` | ${success} |`).toBeDefined();
        expect(row).toContain(String(success));
      }
    },
  );

  it.each(methods.map((method) => [`${method.parent.name}.${method.name}`, method] as const))(
    "describes every request field of %s",
    (_name, method) => {
      const paragraph = paragraphOf(method);
      expect(paragraph, `a paragraph starting "\`${method.name}\` —"`).not.toBe("");
      for (const field of method.input.fields) {
        expect(mentions(paragraph, field.name), `${method.input.typeName}.${field.name} in ${method.name}'s paragraph`).toBe(true);
      }
    },
  );

  it("names every field of every message the RPCs answer", () => {
    const missing = answeredMessages().flatMap((message) =>
      message.fields.filter((field) => !mentions(apiDoc, field.name)).map((field) => `${message.typeName}.${field.name}`),
    );
    expect(missing).toEqual([]);
  });

  it("lists no RPC that does not exist", () => {
    const known = new Set(methods.map((method) => `\`${method.parent.name}\` \`${method.name}\``));
    const documented = rows.filter((cells) => /^`\w+Service`$/.test(cells[0] ?? "")).map((cells) => `${cells[0]} ${cells[1]}`);
    expect(documented.filter((entry) => !known.has(entry))).toEqual([]);
    expect(new Set(documented)).toEqual(known);
  });

  it.each(Object.entries(errorStatuses))("has the error %s with its HTTP status and gRPC code", (code, status) => {
    const row = rows.find((cells) => cells[0] === `\`${code}\``);
    expect(row, `a row | \`${code}\` | ${status.http} | \`${grpcName(status.code)}\` | … |`).toBeDefined();
    expect(row![1]).toBe(String(status.http));
    expect(row![2]).toBe(`\`${grpcName(status.code)}\``);
  });

  it.each(Object.entries(restProtocolStatuses))("has the REST-only error %s with its HTTP status", (code, httpStatus) => {
    const row = rows.find((cells) => cells[0] === `\`${code}\``);
    expect(row, `a row | \`${code}\` | ${httpStatus} | … |`).toBeDefined();
    expect(row![1]).toBe(String(httpStatus));
  });

  it("lists no error code the table does not have", () => {
    const known = new Set([...Object.keys(errorStatuses), ...Object.keys(restProtocolStatuses)]);
    const documented = rows
      .filter((cells) => /^`[a-z_]+`$/.test(cells[0] ?? "") && /^\d{3}$/.test(cells[1] ?? ""))
      .map((cells) => cells[0]!.slice(1, -1));
    expect(documented.filter((code) => !known.has(code))).toEqual([]);
  });
});

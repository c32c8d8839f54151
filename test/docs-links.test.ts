import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { repositoryRoot } from "./support/sched-on-path.js";

/*
 * The README and docs/ stand alone: every relative link names a file that
 * exists inside the repository (a link to a sibling folder fails here),
 * every #anchor into one of our pages names one of its headings, and every
 * repository path they quote (`src/…`, `test/…`, …) exists, so that moving a
 * file without its docs fails here. Nothing tracked refers to documents
 * outside the repository.
 */

const pages = ["README.md", ...readdirSync(join(repositoryRoot, "docs")).filter((name) => name.endsWith(".md")).map((name) => `docs/${name}`)];

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to dashes. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

function anchorsIn(file: string): Set<string> {
  const text = readFileSync(file, "utf8");
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchorOf(match[1]!)));
}

describe.each(pages)("%s", (page) => {
  const text = readFileSync(join(repositoryRoot, page), "utf8");
  // Inline links outside code: [words](target)
  const targets = [...text.replace(/```[\s\S]*?```/g, "").matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!);

  it("links only to files inside the repository, and to headings that exist", () => {
    const broken: string[] = [];
    for (const target of targets) {
      if (/^[a-z]+:/i.test(target)) continue;
      const [path, anchor] = target.split("#", 2) as [string, string | undefined];
      const file = path === "" ? join(repositoryRoot, page) : resolve(repositoryRoot, page, "..", path);
      if (relative(repositoryRoot, file).startsWith("..") || !existsSync(file)) {
        broken.push(target);
        continue;
      }
      if (anchor !== undefined && file.endsWith(".md") && !anchorsIn(file).has(anchor)) broken.push(target);
    }
    expect(broken).toEqual([]);
  });

  it("quotes only repository paths that exist", () => {
    const quoted = [...text.matchAll(/`((?:src|test|migrations|proto|gen|docs|bin|\.ci)\/[^`\s]*)`/g)].map((match) => match[1]!);
    expect(quoted.filter((path) => !existsSync(join(repositoryRoot, path)))).toEqual([]);
  });
});

// Built from parts, so that this file does not name what it looks for.
const outsideReferences = new RegExp([`\\b${"SPE"}C(?:\\.md|'s|\\b)(?!IALTY)`, `\\.\\./${"sha"}red`, `${"brie"}fs/`].join("|"));

function trackedTextFiles(folder: string): string[] {
  return readdirSync(join(repositoryRoot, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|md|sql|proto|json|yaml|sh)$/.test(entry.name))
    .map((entry) => relative(repositoryRoot, join(entry.parentPath, entry.name)));
}

describe("the repository", () => {
  it("refers to no document outside itself", () => {
    const files = ["README.md", ".ci/run", "package.json", ...["src", "test", "docs", "migrations", "proto"].flatMap(trackedTextFiles)];
    const found = files.flatMap((file) =>
      readFileSync(join(repositoryRoot, file), "utf8")
        .split("\n")
        .map((line, index) => ({ line, where: `${file}:${index + 1}` }))
        .filter(({ line }) => outsideReferences.test(line))
        .map(({ where, line }) => `${where}: ${line.trim()}`),
    );
    expect(found).toEqual([]);
  });
});

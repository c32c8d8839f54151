import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { repositoryRoot } from "./support/sched-on-path.js";

/*
 * The README and docs/ stand alone: every relative link names a file that
 * exists inside the repository (a link such as ../shared/… fails here), and
 * every #anchor into one of our pages names one of its headings.
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
});

/**
 * The values a reader following the book by hand needs: every variable book.yaml declares (a pin
 * or a default) and every value a step captures, each with the page where it is first needed.
 * The site substitutes these names, and only these, in code blocks and copies.
 */
import type { Book, Page, Step } from '../book/types.js';

export interface SiteVariable {
  name: string;
  /** book.yaml's value; empty means the reader must supply it (or a step sets it). A secret's is never kept. */
  default: string;
  description?: string;
  secret: boolean;
  /** The values the book accepts (book.yaml's `valid:`); the values form refuses others. */
  valid?: { pattern: string; message: string };
  /** The step that saves its output as this variable, when one does. */
  capturedBy?: { id: string; slug: string; title: string };
  /** The slug of the page where a step first uses or captures it; none if no step does. */
  firstPage?: string;
}

export function listSiteVariables(book: Book): SiteVariable[] {
  const variables = new Map<string, SiteVariable>();
  for (const definition of book.vars) {
    variables.set(definition.name, {
      name: definition.name,
      // A secret never reaches a page, not even its default.
      default: definition.secret ? '' : definition.default,
      ...(definition.description ? { description: definition.description } : {}),
      secret: definition.secret,
      ...(definition.valid ? { valid: definition.valid } : {}),
    });
  }
  for (const chapter of book.chapters) {
    for (const step of chapter.steps) {
      const capture = step.kind === 'file' ? undefined : step.capture;
      if (!capture) continue;
      const known = variables.get(capture) ?? { name: capture, default: '', secret: false };
      known.secret ||= step.secret;
      known.capturedBy ??= { id: step.id, slug: chapter.slug, title: step.title };
      variables.set(capture, known);
    }
  }
  for (const chapter of book.chapters) {
    for (const step of chapter.steps) {
      for (const name of namesTouched(step)) {
        const variable = variables.get(name);
        if (variable && !variable.firstPage) variable.firstPage = chapter.slug;
      }
    }
  }
  return [...variables.values()];
}

/** The variables a step reads or saves, in the order it mentions them. */
export function namesTouched(step: Step): string[] {
  const capture = step.kind === 'file' ? undefined : step.capture;
  return capture ? [...step.uses, capture] : step.uses;
}

/** The variables whose first use is on this page. */
export function variablesFirstNeededOn(variables: readonly SiteVariable[], page: Page): SiteVariable[] {
  return variables.filter((variable) => variable.firstPage === page.slug);
}

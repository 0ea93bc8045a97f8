/**
 * The GitHub Actions workflows validate against the published workflow schema (SchemaStore's
 * github-workflow.json, as @action-validator/core bundles it).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './helpers/lab.js';

const dir = path.join(PROJECT_ROOT, '.github/workflows');
const workflows = readdirSync(dir).filter((name) => /\.ya?ml$/.test(name));

describe('workflows', () => {
  it('exist for every push and for the nightly run', () => {
    expect(workflows.sort()).toEqual(['ci.yml', 'nightly.yml']);
  });

  it.each(workflows)('%s follows the workflow schema', (name) => {
    expect(validateWorkflow(readFileSync(path.join(dir, name), 'utf8')).errors).toEqual([]);
  });

  it('notices a workflow that breaks the schema', () => {
    expect(validateWorkflow('on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    stepz: []\n').errors).not.toEqual([]);
  });

  it('always runs the cleanup and the janitor in the nightly run, one run at a time', () => {
    const nightly = readFileSync(path.join(dir, 'nightly.yml'), 'utf8');
    expect(nightly).toMatch(/name: Run the cleanup chapter\n\s+if: always\(\)/);
    expect(nightly).toMatch(/name: Delete anything any run left behind\n\s+if: always\(\)/);
    expect(nightly).toContain('cancel-in-progress: false');
  });

  it("publishes the site built with the night's report, whatever happened", () => {
    const nightly = readFileSync(path.join(dir, 'nightly.yml'), 'utf8');
    expect(nightly).toContain('npm run build -- --report reports/run.json');
    expect(nightly).toMatch(/uses: actions\/upload-pages-artifact@v3\n\s+with:\n\s+path: site\//);
    expect(nightly).toMatch(/pages:\n\s+needs: book\n\s+if: always\(\)/);
  });
});

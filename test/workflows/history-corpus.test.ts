import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { recordingGeneration } from '../support/flywheel-histories';

// scripts/check-histories.sh, the CI guard of the append-only replay corpus, run on a scratch
// git repository: adding a generation and moving files unchanged pass; modifying or deleting
// a recorded history fails, whether committed or not.

const SCRIPT = path.resolve(__dirname, '../../scripts/check-histories.sh');

describe('the history corpus check', () => {
  let repo: string;
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: repo, stdio: 'pipe' });
  const check = (...args: string[]) => {
    const r = spawnSync('bash', ['scripts/check-histories.sh', ...args], { cwd: repo, encoding: 'utf8' });
    return { code: r.status, output: r.stderr };
  };
  const file = (rel: string, content: string) => {
    mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
    writeFileSync(path.join(repo, rel), content);
  };
  const H = 'test/workflows/histories';

  beforeEach(() => {
    repo = mkdtempSync(path.join(tmpdir(), 'flywheel-histories-'));
    git('init', '-q', '-b', 'main');
    mkdirSync(path.join(repo, 'scripts'));
    copyFileSync(SCRIPT, path.join(repo, 'scripts/check-histories.sh'));
    file(`${H}/001-first/run-flywheelRun.json`, '{"events": 1}\n');
    file(`${H}/001-first/run-0-candidateRun.json`, '{"events": 2}\n');
    git('add', '.');
    git('commit', '-q', '-m', 'first generation');
  });
  afterEach(() => rmSync(repo, { recursive: true, force: true }));

  test('a new generation passes', () => {
    git('checkout', '-q', '-b', 'feature');
    file(`${H}/002-second/run-flywheelRun.json`, '{"events": 3}\n');
    git('add', '.');
    git('commit', '-q', '-m', 'second generation');
    expect(check()).toMatchObject({ code: 0 });
  });

  test('a modified history fails, committed or not', () => {
    appendFileSync(path.join(repo, `${H}/001-first/run-flywheelRun.json`), ' ');
    const uncommitted = check('HEAD');
    expect(uncommitted.code).toBe(1);
    expect(uncommitted.output).toContain(`modified:\t${H}/001-first/run-flywheelRun.json`);
    git('checkout', '-q', '-b', 'feature');
    git('commit', '-q', '-am', 're-record');
    const committed = check(); // against the merge base with main
    expect(committed.code).toBe(1);
    expect(committed.output).toContain('001-first/run-flywheelRun.json');
  });

  test('a deleted history fails', () => {
    git('rm', '-q', `${H}/001-first/run-0-candidateRun.json`);
    git('commit', '-q', '-m', 'drop one');
    const result = check(); // on main: against the previous commit
    expect(result.code).toBe(1);
    expect(result.output).toContain(`deleted (or moved with changes):\t${H}/001-first/run-0-candidateRun.json`);
  });

  test('a history moved unchanged into a generation passes; moved and changed fails', () => {
    mkdirSync(path.join(repo, `${H}/002-moved`));
    git('mv', `${H}/001-first/run-flywheelRun.json`, `${H}/002-moved/run-flywheelRun.json`);
    expect(check('HEAD').code).toBe(0);
    appendFileSync(path.join(repo, `${H}/002-moved/run-flywheelRun.json`), ' ');
    expect(check('HEAD').code).toBe(1);
  });

  test('an unknown base is an error, not a pass', () => {
    expect(check('no-such-commit').code).toBe(2);
  });
});

describe('recording', () => {
  test('RECORD_HISTORIES must name a generation directory', () => {
    expect(recordingGeneration({})).toBeUndefined();
    expect(recordingGeneration({ RECORD_HISTORIES: '002-ledger' })).toBe('002-ledger');
    expect(() => recordingGeneration({ RECORD_HISTORIES: '1' })).toThrow(/npm run record-histories/);
    expect(() => recordingGeneration({ RECORD_HISTORIES: '../001-pre-versioning' })).toThrow(/not a generation/);
  });

  test('the recorder refuses a generation that exists, before running anything', () => {
    const r = spawnSync('bash', ['scripts/record-histories.sh', '001-pre-versioning'], {
      cwd: path.resolve(__dirname, '../..'),
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('exists: generations are never re-recorded');
  });

  test('the recorder refuses a name that is not one', () => {
    const r = spawnSync('bash', ['scripts/record-histories.sh', 'Bad Name'], {
      cwd: path.resolve(__dirname, '../..'),
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('is not a generation name');
  });
});

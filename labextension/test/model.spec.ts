import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import {
  RequestError,
  ServerExtensionMissingError,
  ServerVersionError
} from '../src/errors';
import { EnvDoctorModel } from '../src/model';
import { requestAPI } from '../src/request';
import { environment, finding, fix, kernel, report } from './fixtures';

vi.mock('../src/request', () => ({ requestAPI: vi.fn() }));

const request = vi.mocked(requestAPI);

/** Make the mocked request helper reply by endpoint and method; an Error value is thrown. */
function replyWith(routes: Record<string, unknown>): void {
  request.mockImplementation(async (endpoint: string, init?: RequestInit) => {
    const key = `${init?.method ?? 'GET'} ${endpoint}`;
    if (!(key in routes)) {
      throw new Error(`unexpected request ${key}`);
    }
    const value = routes[key];
    if (value instanceof Error) {
      throw value;
    }
    return value as never;
  });
}

function calls(): string[] {
  return request.mock.calls.map(([endpoint, init]) => `${init?.method ?? 'GET'} ${endpoint}`);
}

const brokenSetup = report({
  kernels: [
    kernel('python3', { environment_prefix: '/envs/server' }),
    kernel('oldenv', { environment_prefix: null, interpreter: '/envs/oldenv/bin/python' }),
    kernel('python3', { visible: false, hidden_by: '/home/user/.local/share/jupyter/kernels/python3/kernel.json' }),
    kernel('bare', { interpreter: '/usr/bin/python3' })
  ],
  environments: [
    environment('server', { is_server: true, kernels: ['python3'] }),
    environment('unused'),
    environment('noipykernel', { has_ipykernel: false }),
    environment('gone', { python: null })
  ],
  findings: [
    finding('K101', 'error', ['oldenv'], [fix('remove-spec-1', 'remove-spec'), fix('rename-spec-1', 'rename-spec')]),
    finding('K103', 'warning', ['bare'], [fix('repoint-spec-1', 'repoint-spec')]),
    finding('P301', 'warning', ['python3'], [fix('pip-1', 'command', false)]),
    finding('I401', 'info', ['python3', 'bare']),
    finding('K112', 'info', ['python3'])
  ],
  summary: { errors: 1, warnings: 2, info: 2, exit_code: 2 }
});

describe('EnvDoctorModel.refresh', () => {
  beforeEach(() => {
    request.mockReset();
  });

  it('loads the report and reports loading', async () => {
    replyWith({ 'GET report': brokenSetup });
    const model = new EnvDoctorModel({ panelVersion: '0.1.0' });
    const seen: boolean[] = [];
    model.changed.connect(() => seen.push(model.loading));

    await model.refresh();

    expect(seen).toEqual([true, false]);
    expect(model.report).toBe(brokenSetup);
    expect(model.error).toBeNull();
  });

  it('asks for a rescan with refresh=1', async () => {
    replyWith({ 'GET report?refresh=1': brokenSetup });
    const model = new EnvDoctorModel({ panelVersion: '0.1.0' });

    await model.refresh({ rescan: true });

    expect(calls()).toEqual(['GET report?refresh=1']);
    expect(model.report).toBe(brokenSetup);
  });

  it('keeps a missing server extension as its error', async () => {
    replyWith({ 'GET report': new ServerExtensionMissingError('/envdoctor/report') });
    const model = new EnvDoctorModel({ panelVersion: '0.1.0' });

    await model.refresh();

    expect(model.error).toBeInstanceOf(ServerExtensionMissingError);
    expect(model.error?.message).toContain('server extension not enabled');
    expect(model.report).toBeNull();
    expect(model.loading).toBe(false);
  });

  it('rejects a report from another version', async () => {
    replyWith({ 'GET report': report({ tool: { name: 'jupyter-envdoctor', version: '0.10.0' } }) });
    const model = new EnvDoctorModel({ panelVersion: '0.1.0' });

    await model.refresh();

    expect(model.error).toBeInstanceOf(ServerVersionError);
    expect((model.error as ServerVersionError).serverVersion).toBe('0.10.0');
    expect(model.report).toBeNull();
  });

  it('rejects another schema version', async () => {
    replyWith({ 'GET report': report({ schema_version: 2 }) });
    const model = new EnvDoctorModel({ panelVersion: '0.1.0' });

    await model.refresh();

    expect(model.error).toBeInstanceOf(ServerVersionError);
  });

  it('keeps the last report after a server error', async () => {
    const model = new EnvDoctorModel({ panelVersion: '0.1.0' });
    replyWith({ 'GET report': brokenSetup });
    await model.refresh();

    replyWith({ 'GET report?refresh=1': new RequestError(400, 'invalid value for refresh', 'Bad Request') });
    await model.refresh({ rescan: true });

    expect(model.error).toBeInstanceOf(RequestError);
    expect(model.report).toBe(brokenSetup);
  });

  it('follows the refresh started last', async () => {
    const model = new EnvDoctorModel({ panelVersion: '0.1.0' });
    let releaseFirst: (value: unknown) => void = () => undefined;
    const newer = report({ generated: '2026-03-02T15:00:00+00:00' });
    request
      .mockImplementationOnce(() => new Promise(resolve => (releaseFirst = resolve)))
      .mockResolvedValueOnce(newer);

    const first = model.refresh();
    await model.refresh();
    releaseFirst(brokenSetup);
    await first;

    expect(model.report).toBe(newer);
    expect(model.loading).toBe(false);
  });
});

describe('EnvDoctorModel rows', () => {
  let model: EnvDoctorModel;

  beforeEach(async () => {
    request.mockReset();
    replyWith({ 'GET report': brokenSetup });
    model = new EnvDoctorModel({ panelVersion: '0.1.0' });
    await model.refresh();
  });

  it('lists visible kernels, errors first', () => {
    const rows = model.kernelRows();

    expect(rows.map(row => [row.kernel.name, row.status])).toEqual([
      ['oldenv', 'error'],
      ['python3', 'warning'],
      ['bare', 'warning']
    ]);
  });

  it('moves conflicts out of kernel findings', () => {
    const python3 = model.kernelRows().find(row => row.kernel.name === 'python3')!;

    expect(python3.findings.map(f => f.code)).toEqual(['K112']);
    expect(python3.conflictCount).toBe(2);
  });

  it('hides ignored codes everywhere', () => {
    model.setIgnoredCodes(['p301', ' K112 ']);

    const python3 = model.kernelRows().find(row => row.kernel.name === 'python3')!;
    expect(python3.status).toBe('ok');
    expect(python3.findings).toEqual([]);
    expect(model.conflicts({ kernel: null, severity: null }).map(f => f.code)).toEqual(['I401']);
  });

  it('marks an invalid spec as an error', async () => {
    replyWith({ 'GET report': report({ kernels: [kernel('broken', { error: 'invalid JSON' })] }) });
    await model.refresh();

    expect(model.kernelRows()[0].status).toBe('error');
  });

  it('tells which environments can be registered', () => {
    const rows = model.environmentRows();

    expect(rows.map(row => [row.environment.name, row.used, row.canRegister])).toEqual([
      ['server', true, true],
      ['unused', false, true],
      ['noipykernel', false, false],
      ['gone', false, false]
    ]);
  });

  it('filters conflicts by kernel and severity', () => {
    const codes = (kernelName: string | null, severity: 'error' | 'warning' | null) =>
      model.conflicts({ kernel: kernelName, severity }).map(f => f.code);

    expect(codes(null, null)).toEqual(['P301', 'I401']);
    expect(codes('bare', null)).toEqual(['I401']);
    expect(codes(null, 'warning')).toEqual(['P301']);
    expect(codes(null, 'error')).toEqual([]);
    expect(model.conflictKernels()).toEqual(['bare', 'python3']);
  });

  it('picks the safe fixes as the CLI does', () => {
    expect(model.safeFixes().map(f => f.id)).toEqual(['remove-spec-1', 'repoint-spec-1']);
  });
});

describe('EnvDoctorModel.safeFixes', () => {
  beforeEach(() => {
    request.mockReset();
  });

  it('takes every part of a one-action remedy once', async () => {
    const shared = fix('remove-spec-b', 'remove-spec');
    replyWith({
      'GET report': report({
        findings: [
          finding('K106', 'warning', ['a', 'b'], [fix('remove-spec-a', 'remove-spec'), shared]),
          finding('K106', 'warning', ['b', 'c'], [shared, fix('install-1', 'command', false)])
        ]
      })
    });
    const model = new EnvDoctorModel({ panelVersion: '0.1.0' });
    await model.refresh();

    expect(model.safeFixes().map(f => f.id)).toEqual(['remove-spec-a', 'remove-spec-b']);
  });
});

describe('EnvDoctorModel actions', () => {
  let model: EnvDoctorModel;

  beforeEach(async () => {
    request.mockReset();
    model = new EnvDoctorModel({ panelVersion: '0.1.0' });
  });

  it('previews a fix without changing anything', async () => {
    const preview = { fix: fix('remove-spec-1', 'remove-spec'), findings: [], diff: '--- a\n+++ b\n', changes: [], reason: null };
    replyWith({ 'GET fixes/remove-spec-1': preview });

    expect(await model.previewFix('remove-spec-1')).toBe(preview);
    expect(calls()).toEqual(['GET fixes/remove-spec-1']);
  });

  it('applies a fix, then reloads the report', async () => {
    const applied = { run: 'run-1', fix: fix('remove-spec-1', 'remove-spec'), diff: '', changes: [], undo: '' };
    replyWith({ 'POST fixes/remove-spec-1': applied, 'GET report': brokenSetup });

    expect(await model.applyFix('remove-spec-1')).toBe(applied);
    expect(calls()).toEqual(['POST fixes/remove-spec-1', 'GET report']);
    expect(model.report).toBe(brokenSetup);
  });

  it('reloads the report after a failed fix', async () => {
    replyWith({
      'POST fixes/rename-spec-1': new RequestError(409, 'kernel.json changed', 'Conflict'),
      'GET report': brokenSetup
    });

    await expect(model.applyFix('rename-spec-1')).rejects.toBeInstanceOf(RequestError);
    expect(calls()).toEqual(['POST fixes/rename-spec-1', 'GET report']);
  });

  it('applies all fixes past a failure', async () => {
    const first = fix('remove-spec-1', 'remove-spec');
    const second = fix('repoint-spec-1', 'repoint-spec');
    const third = fix('rename-spec-2', 'rename-spec');
    replyWith({
      'POST fixes/remove-spec-1': { run: 'run-1', fix: first, diff: '', changes: [], undo: '' },
      'POST fixes/repoint-spec-1': new RequestError(404, 'no fix with id', 'Not Found'),
      'POST fixes/rename-spec-2': { run: 'run-2', fix: third, diff: '', changes: [], undo: '' },
      'GET report': brokenSetup
    });

    const result = await model.applyAll([first, second, third]);

    expect(result.applied.map(a => a.run)).toEqual(['run-1', 'run-2']);
    expect(result.failed.map(f => f.fix.id)).toEqual(['repoint-spec-1']);
    expect(result.failed[0].error).toBeInstanceOf(RequestError);
    expect(calls().filter(call => call === 'GET report')).toHaveLength(1);
  });

  it('registers a kernel with only the fields given', async () => {
    const registration = { name: 'analysis', display_name: 'Analysis', environment: 'unused-id', spec_path: '/k/kernel.json', resource_dir: '/k', run: 'run-3', undo: '' };
    replyWith({ 'POST kernels': registration, 'GET report': brokenSetup });

    await model.registerKernel({ environment: 'unused-id', name: ' analysis ', display_name: '  ' });

    const body = JSON.parse(String(request.mock.calls[0][1]?.body));
    expect(body).toEqual({ environment: 'unused-id', name: 'analysis' });
    expect(calls()).toEqual(['POST kernels', 'GET report']);
  });

  it('undoes, then reloads the report', async () => {
    const undone = { run: 'run-3', status: 'undone', fixes: [], files: ['/k/kernel.json'] };
    replyWith({ 'POST undo': undone, 'GET report': brokenSetup });

    expect(await model.undo()).toBe(undone);
    expect(calls()).toEqual(['POST undo', 'GET report']);
  });
});

describe('EnvDoctorModel.setAutoRefresh', () => {
  beforeEach(() => {
    request.mockReset();
    vi.useFakeTimers();
  });

  afterEach(() => vi.useRealTimers());

  it('reloads only while the panel is active', async () => {
    replyWith({ 'GET report': brokenSetup });
    const model = new EnvDoctorModel({ panelVersion: '0.1.0' });
    let active = false;
    model.setAutoRefresh(30, () => active);

    await vi.advanceTimersByTimeAsync(30_000);
    expect(calls()).toEqual([]);

    active = true;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(calls()).toEqual(['GET report']);

    model.setAutoRefresh(0);
    await vi.advanceTimersByTimeAsync(90_000);
    expect(calls()).toEqual(['GET report']);
    model.dispose();
  });
});

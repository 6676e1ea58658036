/** Small reports for the model tests, shaped as the server extension sends them. */
import { IEnvironment, IFinding, IFix, IKernel, IReport } from '../src/types';

export function fix(id: string, action: string, applicable = true): IFix {
  return {
    id,
    action,
    title: `${action} ${id}`,
    params: {},
    command: applicable ? null : `pip install ${id}`,
    applicable
  };
}

export function finding(
  code: string,
  severity: IFinding['severity'],
  kernels: string[],
  fixes: IFix[] = []
): IFinding {
  return {
    code,
    severity,
    title: `${code} about ${kernels.join(', ')}`,
    kernels,
    environments: [],
    evidence: { spec_path: `/home/user/.local/share/jupyter/kernels/${kernels[0]}/kernel.json` },
    fixes
  };
}

export function kernel(name: string, overrides: Partial<IKernel> = {}): IKernel {
  return {
    name,
    display_name: `Python (${name})`,
    language: 'python',
    resource_dir: `/home/user/.local/share/jupyter/kernels/${name}`,
    spec_path: `/home/user/.local/share/jupyter/kernels/${name}/kernel.json`,
    source: 'user',
    visible: true,
    hidden_by: null,
    error: null,
    argv: [`/envs/${name}/bin/python`, '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
    interpreter: `/envs/${name}/bin/python`,
    environment_id: null,
    environment_prefix: `/envs/${name}`,
    python_version: '3.11.7',
    probe: null,
    ...overrides
  };
}

export function environment(name: string, overrides: Partial<IEnvironment> = {}): IEnvironment {
  return {
    id: `${name}-id`,
    prefix: `/envs/${name}`,
    kind: 'venv',
    name,
    python: `/envs/${name}/bin/python`,
    python_version: '3.11.7',
    is_server: false,
    has_ipykernel: true,
    kernels: [],
    error: null,
    ...overrides
  };
}

export function report(overrides: Partial<IReport> = {}): IReport {
  return {
    schema_version: 1,
    tool: { name: 'jupyter-envdoctor', version: '0.1.0' },
    generated: '2026-03-02T14:05:09+00:00',
    server: { executable: '/envs/server/bin/python', prefix: '/envs/server', python_version: '3.11.7' },
    kernels: [],
    environments: [],
    findings: [],
    problems: [],
    summary: { errors: 0, warnings: 0, info: 0, exit_code: 0 },
    ...overrides
  };
}

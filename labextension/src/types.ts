/**
 * Types of the JSON that the server extension sends (report schema_version 1).
 *
 * Only the fields the panel reads are typed. The schema may add fields and new values of open
 * lists (codes, actions, sources) without a version change, so unions of such values keep a
 * `string` member.
 */

export type Severity = 'error' | 'warning' | 'info';

export type FixAction =
  | 'remove-spec'
  | 'repoint-spec'
  | 'rename-spec'
  | 'set-spec-env'
  | 'register-kernel'
  | 'command'
  | string;

export type EnvironmentKind = 'conda' | 'venv' | 'pixi' | 'system' | string;

export interface IFix {
  id: string;
  action: FixAction;
  title: string;
  params: Record<string, unknown>;
  command: string | null;
  applicable: boolean;
}

export interface IFinding {
  code: string;
  severity: Severity;
  title: string;
  kernels: string[];
  environments: string[];
  evidence: Record<string, unknown>;
  fixes: IFix[];
}

export interface IProbe {
  ok: boolean;
  error: string | null;
  version: string | null;
}

export interface IKernel {
  name: string;
  display_name: string;
  language: string;
  resource_dir: string;
  spec_path: string;
  source: string;
  visible: boolean;
  hidden_by: string | null;
  error: string | null;
  argv: string[];
  interpreter: string | null;
  environment_id: string | null;
  environment_prefix: string | null;
  python_version: string | null;
  probe: IProbe | null;
}

export interface IEnvironment {
  id: string;
  prefix: string;
  kind: EnvironmentKind;
  name: string;
  python: string | null;
  python_version: string | null;
  is_server: boolean;
  has_ipykernel: boolean;
  kernels: string[];
  error: string | null;
}

export interface IReport {
  schema_version: number;
  tool: { name: string; version: string };
  generated: string;
  server: { executable: string; prefix: string; python_version: string };
  kernels: IKernel[];
  environments: IEnvironment[];
  findings: IFinding[];
  problems: string[];
  summary: { errors: number; warnings: number; info: number; exit_code: number };
}

/** One file that a fix writes or removes. */
export interface IFileChange {
  path: string;
  change: 'written' | 'removed';
}

/** Reply of GET envdoctor/fixes/<id>: the diff a fix would make now. */
export interface IFixPreview {
  fix: IFix;
  findings: { code: string; title: string }[];
  diff: string;
  changes: IFileChange[];
  /** The reason the fix cannot be applied now, or null when it can. */
  reason: string | null;
}

/** Reply of POST envdoctor/fixes/<id>. */
export interface IAppliedFix {
  run: string;
  fix: IFix;
  diff: string;
  changes: IFileChange[];
  undo: string;
}

/** Body of POST envdoctor/kernels. */
export interface IRegisterRequest {
  environment: string;
  name?: string;
  display_name?: string;
}

/** Reply of POST envdoctor/kernels. */
export interface IRegistration {
  name: string;
  display_name: string;
  environment: string;
  spec_path: string;
  resource_dir: string;
  run: string;
  undo: string;
}

/** Reply of POST envdoctor/undo. */
export interface IUndoResult {
  run: string;
  status: string;
  fixes: { id: string; title: string }[];
  files: string[];
}

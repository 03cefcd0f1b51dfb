/**
 * Typed calls to the language server's `kpr/*` requests (server/src/lsp/protocol.ts). The extension host
 * does no KPR work itself: it asks, shows and forwards.
 */
import { CancellationToken, LanguageClient } from 'vscode-languageclient/node';
import {
  CANDIDATES_REQUEST,
  Candidate,
  CONFIG_REQUEST,
  ConfigInfo,
  JOURNAL_REQUEST,
  JournalResult,
  LISTEN_REQUEST,
  ListenerStateParams,
  ListenParams,
  PREFLIGHT_REQUEST,
  PreflightResult,
  REPORT_REQUEST,
  ReportModel,
  SubmissionEnvironment,
  SUBMIT_REQUEST,
  SubmitParams,
  SubmitResult,
  VALIDATE_CERTIFICATE_REQUEST,
  ValidateCertificateParams,
  ValidateCertificateResult,
} from '../../server/src/lsp/protocol';

export class KprApi {
  constructor(readonly client: LanguageClient) {}

  config(env: SubmissionEnvironment, scopeUri?: string): Promise<ConfigInfo> {
    return this.client.sendRequest<ConfigInfo>(CONFIG_REQUEST, { env, ...(scopeUri ? { scopeUri } : {}) });
  }

  candidates(uris: string[]): Promise<Candidate[]> {
    return this.client.sendRequest<Candidate[]>(CANDIDATES_REQUEST, { uris });
  }

  preflight(uris: string[], env: SubmissionEnvironment, token?: CancellationToken): Promise<PreflightResult> {
    return token ? this.client.sendRequest<PreflightResult>(PREFLIGHT_REQUEST, { uris, env }, token) : this.client.sendRequest<PreflightResult>(PREFLIGHT_REQUEST, { uris, env });
  }

  submit(params: SubmitParams, token: CancellationToken): Promise<SubmitResult> {
    return this.client.sendRequest<SubmitResult>(SUBMIT_REQUEST, params, token);
  }

  journal(scopeUri?: string): Promise<JournalResult> {
    return this.client.sendRequest<JournalResult>(JOURNAL_REQUEST, scopeUri ? { scopeUri } : {});
  }

  listen(params: ListenParams): Promise<ListenerStateParams> {
    return this.client.sendRequest<ListenerStateParams>(LISTEN_REQUEST, params);
  }

  validateCertificate(params: ValidateCertificateParams): Promise<ValidateCertificateResult> {
    return this.client.sendRequest<ValidateCertificateResult>(VALIDATE_CERTIFICATE_REQUEST, params);
  }

  report(uris: string[], token?: CancellationToken): Promise<ReportModel> {
    return token ? this.client.sendRequest<ReportModel>(REPORT_REQUEST, { uris }, token) : this.client.sendRequest<ReportModel>(REPORT_REQUEST, { uris });
  }
}

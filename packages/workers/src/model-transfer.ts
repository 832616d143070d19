// One model as it crosses the IPC channel from the primary to its workers: the parts of the
// JSON model a proxy serves (endpoints and upstreams) and the key material they reference,
// read out of the result's CredentialStore (client identities by Secret, CA bundles by
// digest) and put into a new store on the other side. Only process.send carries it; nothing
// here formats it for a log or an error message.
import { CredentialStore, type TranslationModel, type TranslationResult, type UpstreamEndpointMap } from '@kupstream/core';
import { createTranslationResult } from '@kupstream/core/building-blocks';

export interface ClientMaterial {
  namespace: string;
  name: string;
  certChainPem: string;
  keyPem: string;
}

export interface ModelTransfer {
  endpoints: TranslationModel['endpoints'];
  upstreams: TranslationModel['upstreams'];
  clients: ClientMaterial[];
  caBundles: { sha256: string; pem: string }[];
  /** The upstreams' endpoints from EndpointSlices (beside the model, as on the primary). */
  serviceEndpoints: UpstreamEndpointMap;
}

/** The model and every credential its store holds. Statuses and diagnostics stay with the primary. */
export function packModel(result: TranslationResult, serviceEndpoints: UpstreamEndpointMap): ModelTransfer {
  const store = result.credentials;
  const { clients, caBundles } = store.summary();
  const out: ModelTransfer = { endpoints: result.endpoints, upstreams: result.upstreams, clients: [], caBundles: [], serviceEndpoints };
  for (const { key } of clients) {
    // Keys are `namespace/name`; a namespace never holds a slash.
    const slash = key.indexOf('/');
    const ref = { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
    const material = store.get(ref);
    if (material) out.clients.push({ ...ref, certChainPem: material.certChainPem, keyPem: material.keyPem });
  }
  for (const sha256 of caBundles) {
    const pem = store.getCaBundle(sha256);
    if (pem !== undefined) out.caBundles.push({ sha256, pem });
  }
  return out;
}

/** The worker's side: a result with a store of its own holding the material sent, and the endpoints. */
export function unpackModel(transfer: ModelTransfer): { result: TranslationResult; serviceEndpoints: UpstreamEndpointMap } {
  const store = new CredentialStore();
  for (const { namespace, name, certChainPem, keyPem } of transfer.clients) store.set({ namespace, name }, { certChainPem, keyPem });
  for (const { sha256, pem } of transfer.caBundles) store.setCaBundle(sha256, pem);
  const result = createTranslationResult(
    { endpoints: transfer.endpoints, upstreams: transfer.upstreams, statuses: [], diagnostics: [] },
    store,
  );
  return { result, serviceEndpoints: transfer.serviceEndpoints };
}

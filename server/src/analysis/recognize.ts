/**
 * Recognises KPR documents by root element and namespace, also inside a Hodemelding (MsgHead) envelope.
 * Other XML is left alone.
 */
import { XmlElement, parseXml } from '../xml/parser';
import { DocumentKind, PayloadKind } from './types';

export const MSGHEAD_NS = 'http://www.kith.no/xmlstds/msghead/2006-05-24';

/** The kind of a payload root, or undefined when it is none of KPR's. */
export function payloadKindOf(el: XmlElement): PayloadKind | 'apprec' | undefined {
  if (el.local === 'IPLOS' && /\/iplos\//i.test(el.ns + '/')) return 'fagmelding';
  if (el.local === 'Melding' && /_ide\/?$/i.test(el.ns)) return 'identmelding';
  if (el.local === 'AppRec' && /\/apprec\//i.test(el.ns + '/')) return 'apprec';
  return undefined;
}

export function isMsgHead(el: XmlElement): boolean {
  return el.local === 'MsgHead' && el.ns === MSGHEAD_NS;
}

/** True when `el` sits where a Hodemelding carries its payload: MsgHead/Document/RefDoc/Content/*. */
export function isEnvelopeContent(el: XmlElement): boolean {
  const content = el.parent;
  const refDoc = content?.parent;
  const doc = refDoc?.parent;
  const head = doc?.parent;
  return (
    !!head && head.parent === null && isMsgHead(head) && content!.local === 'Content' && refDoc!.local === 'RefDoc' && doc!.local === 'Document'
  );
}

/**
 * Finds the kind of a document from its first part only (the first 64 KiB are plenty for the envelope),
 * so that folders of large files can be sorted without reading them whole.
 */
export function sniffKind(head: string): DocumentKind {
  let kind: DocumentKind = 'other';
  const stopAt = { done: false };
  parseXml(head, {
    onOpen: (el) => {
      if (stopAt.done) return;
      const k = payloadKindOf(el);
      if (k && (el.parent === null || isEnvelopeContent(el))) {
        kind = k;
        stopAt.done = true;
      } else if (el.parent === null && !isMsgHead(el)) {
        stopAt.done = true;
      }
    },
    shouldStop: () => stopAt.done,
    maxIssues: 0,
  });
  return kind;
}

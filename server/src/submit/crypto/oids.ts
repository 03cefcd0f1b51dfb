/** Object identifiers used by CMS, X.509 and PKCS#12, with the names shown in error messages. */
export const OID = {
  // CMS content types (RFC 5652)
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  envelopedData: '1.2.840.113549.1.7.3',
  digestedData: '1.2.840.113549.1.7.5',
  encryptedData: '1.2.840.113549.1.7.6',
  authEnvelopedData: '1.2.840.113549.1.9.16.1.23',
  // Signed attributes
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  // Digests
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  sha224: '2.16.840.1.101.3.4.2.4',
  md5: '1.2.840.113549.2.5',
  // Public-key algorithms
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsaesOaep: '1.2.840.113549.1.1.7',
  mgf1: '1.2.840.113549.1.1.8',
  rsassaPss: '1.2.840.113549.1.1.10',
  sha1WithRSAEncryption: '1.2.840.113549.1.1.5',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  sha384WithRSAEncryption: '1.2.840.113549.1.1.12',
  sha512WithRSAEncryption: '1.2.840.113549.1.1.13',
  ecPublicKey: '1.2.840.10045.2.1',
  // Content encryption
  aes128Cbc: '2.16.840.1.101.3.4.1.2',
  aes192Cbc: '2.16.840.1.101.3.4.1.22',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  aes128Gcm: '2.16.840.1.101.3.4.1.6',
  aes256Gcm: '2.16.840.1.101.3.4.1.46',
  desCbc: '1.3.14.3.2.7',
  desEde3Cbc: '1.2.840.113549.3.7',
  rc2Cbc: '1.2.840.113549.3.2',
  // X.509 extensions
  keyUsage: '2.5.29.15',
  subjectKeyIdentifier: '2.5.29.14',
  basicConstraints: '2.5.29.19',
  // Name attributes
  commonName: '2.5.4.3',
  serialNumber: '2.5.4.5',
  countryName: '2.5.4.6',
  localityName: '2.5.4.7',
  organizationName: '2.5.4.10',
  organizationalUnitName: '2.5.4.11',
  organizationIdentifier: '2.5.4.97',
  emailAddress: '1.2.840.113549.1.9.1',
  // PKCS#12 MAC
  pbmac1: '1.2.840.113549.1.5.14',
} as const;

const NAMES: Record<string, string> = {
  [OID.data]: 'data',
  [OID.signedData]: 'SignedData',
  [OID.envelopedData]: 'EnvelopedData',
  [OID.digestedData]: 'DigestedData',
  [OID.encryptedData]: 'EncryptedData',
  [OID.authEnvelopedData]: 'AuthEnvelopedData',
  [OID.sha1]: 'SHA-1',
  [OID.sha224]: 'SHA-224',
  [OID.sha256]: 'SHA-256',
  [OID.sha384]: 'SHA-384',
  [OID.sha512]: 'SHA-512',
  [OID.md5]: 'MD5',
  [OID.rsaEncryption]: 'RSA PKCS#1 v1.5',
  [OID.rsaesOaep]: 'RSA-OAEP',
  [OID.rsassaPss]: 'RSASSA-PSS',
  [OID.sha1WithRSAEncryption]: 'sha1WithRSAEncryption',
  [OID.sha256WithRSAEncryption]: 'sha256WithRSAEncryption',
  [OID.sha384WithRSAEncryption]: 'sha384WithRSAEncryption',
  [OID.sha512WithRSAEncryption]: 'sha512WithRSAEncryption',
  [OID.ecPublicKey]: 'EC',
  [OID.aes128Cbc]: 'AES-128-CBC',
  [OID.aes192Cbc]: 'AES-192-CBC',
  [OID.aes256Cbc]: 'AES-256-CBC',
  [OID.aes128Gcm]: 'AES-128-GCM',
  [OID.aes256Gcm]: 'AES-256-GCM',
  [OID.desCbc]: 'DES-CBC',
  [OID.desEde3Cbc]: '3DES (DES-EDE3-CBC)',
  [OID.rc2Cbc]: 'RC2-CBC',
};

/** "AES-256-CBC (2.16.840.1.101.3.4.1.42)", or the bare OID when unknown. */
export function oidName(oid: string): string {
  const name = NAMES[oid];
  return name ? `${name} (${oid})` : oid;
}

/** node:crypto digest names for the digests accepted in signatures. */
export const DIGEST_BY_OID: Record<string, string> = {
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};

/** Digests implied by combined RSA signature OIDs (SignerInfo.signatureAlgorithm). */
export const RSA_SIGNATURE_DIGEST: Record<string, string> = {
  [OID.sha256WithRSAEncryption]: 'sha256',
  [OID.sha384WithRSAEncryption]: 'sha384',
  [OID.sha512WithRSAEncryption]: 'sha512',
};

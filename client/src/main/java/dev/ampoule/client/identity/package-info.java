/**
 * The device's side of Ampoule's end-to-end identity (IDENTITY.md): {@link
 * dev.ampoule.client.identity.IssuerClient} obtains a device certificate from the organisation's
 * identity issuer — an OIDC bearer token, a fresh nonce, and a proof that this device holds its MLS
 * signature key — which becomes the device's {@code x509} MLS credential.
 */
package dev.ampoule.client.identity;

/**
 * Credentials (RFC 9420 §5.3) and their validation by the application-supplied
 * {@link dev.ampoule.mls.credential.AuthenticationService}: basic credentials and X.509 chains
 * checked against configured trust anchors (§5.3.1, §5.3.2).
 */
package dev.ampoule.mls.credential;

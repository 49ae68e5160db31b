/**
 * The small exception hierarchy of the library: {@link dev.ampoule.mls.error.DecodeException},
 * {@link dev.ampoule.mls.error.ValidationException} (carrying the {@link dev.ampoule.mls.error.Rule}
 * that was broken, with its RFC section) and {@link dev.ampoule.mls.error.InternalException}.
 */
package dev.ampoule.mls.error;

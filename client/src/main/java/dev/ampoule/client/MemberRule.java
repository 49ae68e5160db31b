package dev.ampoule.client;

import dev.ampoule.mls.error.Rule;

/** Ampoule's own rules of member authentication, beyond RFC 9420's (IDENTITY.md, "Validation by members"). */
enum MemberRule implements Rule {

    DEVICE_NAME_MISSING("IDENTITY.md, device certificate profile",
            "the end-entity certificate must name exactly one device: a subjectAltName URI ampoule://<user>/<device>"),
    BASIC_NOT_ALLOWED("IDENTITY.md, validation by members",
            "basic credentials are accepted only by clients configured to allow them (development, ad hoc groups)"),
    DEVICE_MISMATCH("IDENTITY.md, validation by members",
            "the credential names another device than the one it was handed out for");

    private final String section;
    private final String description;

    MemberRule(String section, String description) {
        this.section = section;
        this.description = description;
    }

    @Override
    public String section() {
        return section;
    }

    @Override
    public String description() {
        return description;
    }
}

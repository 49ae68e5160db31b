package dev.ampoule.client;

import dev.ampoule.client.support.Party;
import dev.ampoule.mls.credential.X509EndEntity;
import java.time.Instant;
import java.util.Optional;

/** A party's device record as its device saved it (decrypted with the party's key). */
final class SavedDevice {

    private SavedDevice() {
    }

    /** When the stored device certificate ends (empty without one). */
    static Optional<Instant> certificateNotAfter(Party party) {
        return SavedState.read(party, store -> store.load(LocalState.DEVICE)
                .flatMap(raw -> LocalState.DeviceRecord.decode(raw).certificate)
                .map(c -> X509EndEntity.of(c).certificate().getNotAfter().toInstant()));
    }
}

package dev.ampoule.client;

import java.time.LocalDate;

/**
 * A grant this device made ({@link AmpouleClient#grantHistory}): the grantee, the days (UTC) the
 * relay now serves them, how many day keys went to their devices, how many days of the range this
 * device held no key for itself (it was not yet in the group then), and the group message that
 * carried the keys.
 */
public record HistoryGrant(GroupId groupId, String grantee, LocalDate from, LocalDate to, int keys, int keysMissing,
        long seq) {
}

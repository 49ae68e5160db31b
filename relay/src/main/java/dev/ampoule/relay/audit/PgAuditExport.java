package dev.ampoule.relay.audit;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Copies the audit log kept in PostgreSQL ({@link PgAuditLog}) to a file of lines and its head file,
 * for {@link AuditVerifier} ({@code relay audit-verify --postgres-url}): the command-line side, over
 * JDBC (blocking; never used inside the relay). One repeatable-read transaction, so the copy is one
 * consistent state of the chain even while relays append.
 */
public final class PgAuditExport {

    private PgAuditExport() {
    }

    /** Writes the entries to {@code log} and the head to {@code audit.head} beside it; returns the head's seq. */
    public static long export(String jdbcUrl, String user, String password, Path log) throws SQLException, IOException {
        try (Connection c = DriverManager.getConnection(jdbcUrl, user, password)) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            AuditHead head;
            try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(
                    "SELECT seq, hash FROM audit_head WHERE id = 1")) {
                if (!r.next()) {
                    throw new SQLException("no audit head: the database has no audit log");
                }
                head = new AuditHead(r.getLong(1), r.getString(2));
            }
            try (BufferedWriter out = Files.newBufferedWriter(log, StandardCharsets.UTF_8);
                    PreparedStatement s = c.prepareStatement("SELECT line FROM audit_log ORDER BY seq")) {
                s.setFetchSize(5_000);
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        out.write(r.getString(1));
                        out.write('\n');
                    }
                }
            }
            c.commit();
            head.write(AuditDisk.REAL, log.resolveSibling(FileAuditLog.HEAD_FILE), false);
            return head.seq();
        }
    }
}

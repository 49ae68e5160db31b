package dev.ampoule.relay.support;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Captures everything the JVM logs while it is open: every {@code java.util.logging} record of every
 * logger at every level (the root logger and every existing logger set to {@code ALL}; the relay,
 * Vert.x and Netty log there), formatted with its stack trace, and everything written to
 * {@code System.out} and {@code System.err} (which still reach the console). Closing restores
 * the levels and streams.
 */
public final class LogCapture implements AutoCloseable {

    private final List<String> records = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private final Map<Logger, Level> levels = new HashMap<>();
    private final Map<Handler, Level> handlerLevels = new HashMap<>();
    private final Logger root = Logger.getLogger("");
    private final PrintStream out = System.out;
    private final PrintStream err = System.err;
    private final Handler handler = new Handler() {
        private final SimpleFormatter formatter = new SimpleFormatter();

        @Override
        public void publish(LogRecord r) {
            records.add(formatter.format(r));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    public LogCapture() {
        handler.setLevel(Level.ALL);
        for (Handler h : root.getHandlers()) {
            handlerLevels.put(h, h.getLevel());
            h.setLevel(Level.WARNING); // keep the console readable; the capture sees everything
        }
        root.addHandler(handler);
        levels.put(root, root.getLevel());
        root.setLevel(Level.ALL);
        for (String name : java.util.Collections.list(LogManager.getLogManager().getLoggerNames())) {
            Logger l = LogManager.getLogManager().getLogger(name);
            if (l != null && l != root) {
                levels.put(l, l.getLevel());
                l.setLevel(null); // inherit ALL from the root
            }
        }
        System.setOut(new PrintStream(tee(out), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(tee(err), true, StandardCharsets.UTF_8));
    }

    private OutputStream tee(PrintStream to) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (console) {
                    console.write(b);
                }
                to.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (console) {
                    console.write(b, off, len);
                }
                to.write(b, off, len);
            }
        };
    }

    /** The log records so far, each formatted with its stack trace. */
    public List<String> records() {
        return new ArrayList<>(records);
    }

    /** What was written to {@code System.out} and {@code System.err} so far. */
    public byte[] console() {
        synchronized (console) {
            return console.toByteArray();
        }
    }

    @Override
    public void close() {
        System.setOut(out);
        System.setErr(err);
        root.removeHandler(handler);
        levels.forEach(Logger::setLevel);
        handlerLevels.forEach(Handler::setLevel);
    }
}

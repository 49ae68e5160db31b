package dev.ampoule.relay.support;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Captures everything the JVM logs while it is open: every SLF4J event of every logger at every
 * level (the root logger at {@code ALL}, every configured logger set to inherit it; the relay,
 * Vert.x and Netty log through SLF4J, and {@code java.util.logging} is bridged to it), each with its
 * message, its MDC (the correlation ids) and its stack trace; and everything written to
 * {@code System.out} and {@code System.err} (which still reach the console). The console
 * appenders keep their own thresholds, so the test's output stays readable. Closing restores the
 * levels and streams.
 */
public final class LogCapture implements AutoCloseable {

    private final List<String> records = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private final Map<Logger, Level> levels = new HashMap<>();
    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    private final Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final java.util.logging.Logger julRoot = java.util.logging.Logger.getLogger("");
    private final java.util.logging.Level julLevel = julRoot.getLevel();
    private final boolean bridged = SLF4JBridgeHandler.isInstalled();
    private final java.util.logging.Handler[] julHandlers = julRoot.getHandlers();
    private final PrintStream out = System.out;
    private final PrintStream err = System.err;
    private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent e) {
            StringBuilder sb = new StringBuilder().append(e.getLevel()).append(' ').append(e.getLoggerName())
                    .append(" - ").append(e.getFormattedMessage()).append(' ').append(e.getMDCPropertyMap());
            IThrowableProxy thrown = e.getThrowableProxy();
            if (thrown != null) {
                sb.append('\n').append(ThrowableProxyUtil.asString(thrown));
            }
            records.add(sb.toString());
        }
    };

    public LogCapture() {
        appender.setContext(context);
        appender.setName("capture");
        appender.start();
        for (Logger l : context.getLoggerList()) {
            if (l.getLevel() != null) {
                levels.put(l, l.getLevel());
                l.setLevel(l == root ? Level.ALL : null); // the others inherit ALL from the root
            }
        }
        root.setLevel(Level.ALL);
        root.addAppender(appender);
        if (!bridged) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
        julRoot.setLevel(java.util.logging.Level.ALL);
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

    /** The log records so far, each formatted with its MDC and stack trace. */
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
        root.detachAppender(appender);
        appender.stop();
        levels.forEach(Logger::setLevel);
        julRoot.setLevel(julLevel);
        if (!bridged) {
            SLF4JBridgeHandler.uninstall();
            for (java.util.logging.Handler h : julHandlers) {
                julRoot.addHandler(h);
            }
        }
    }
}

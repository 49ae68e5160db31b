package dev.ampoule.relay.ops;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.util.StatusPrinter2;
import java.net.URL;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Sets up the relay process's logs from its settings: Logback with {@code logback.xml} beside this
 * class, at the level {@code logLevel} and in the format {@code logFormat} ({@code json}: one JSON
 * object per line; {@code text}). {@code java.util.logging} (used by some libraries) is bridged to
 * SLF4J so that everything comes out in the same format. Only the relay's own command line calls
 * this; an application that embeds the relay's verticle keeps its own logging setup.
 */
public final class RelayLogging {

    private RelayLogging() {
    }

    /**
     * (Re)configures Logback for this process; the previous configuration is dropped. {@code level}
     * and {@code format} as {@link dev.ampoule.relay.config.RelayConfig} checked them; {@code toStderr}
     * for the commands whose standard output is their result ({@code mint-token}, {@code check-config}).
     */
    public static void configure(String level, String format, boolean toStderr) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return; // another SLF4J provider: the embedding application decides
        }
        URL xml = RelayLogging.class.getResource("logback.xml");
        if (xml == null) {
            throw new IllegalStateException("logback.xml is missing from the relay's jar");
        }
        context.reset();
        context.putProperty("level", level);
        context.putProperty("format", format);
        context.putProperty("target", toStderr ? "System.err" : "System.out");
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try {
            configurator.doConfigure(xml);
        } catch (JoranException e) {
            new StatusPrinter2().printInCaseOfErrorsOrWarnings(context);
            throw new IllegalStateException("the log configuration did not load", e);
        }
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
    }

    /** Writes out what is queued and stops the writer thread (the last step of a shutdown). */
    public static void flush() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.stop();
        }
    }
}

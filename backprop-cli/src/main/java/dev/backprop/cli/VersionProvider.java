package dev.backprop.cli;

import picocli.CommandLine.IVersionProvider;

/** Reports the library version from the jar manifest, and the JVM it runs on. */
final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        return new String[] {"backprop " + (v == null ? "development build" : v),
                "JVM " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
    }
}

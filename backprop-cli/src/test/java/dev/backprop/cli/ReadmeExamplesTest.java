package dev.backprop.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code java} block of the README, exactly as written there: its imports stay imports and
 * its statements become the body of a method, compiled against the library; then every block not
 * marked {@code compile-only} (those need the shared data or minutes) runs.
 */
class ReadmeExamplesTest {

    /** A block of the README: where it starts, its text, and whether it only compiles. */
    private record Block(int line, String text, boolean compileOnly) {
        String className() {
            return "ReadmeBlockAtLine" + line;
        }

        String source() {
            StringBuilder imports = new StringBuilder();
            StringBuilder body = new StringBuilder();
            for (String l : text.split("\n", -1)) {
                (l.startsWith("import ") ? imports : body).append(l).append('\n');
            }
            return imports + "public class " + className() + " {\n    public static void example() throws Exception {\n"
                    + body + "    }\n}\n";
        }
    }

    private static List<Block> blocks() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !(Files.exists(root.resolve("README.md")) && Files.isDirectory(root.resolve("backprop-core")))) {
            root = root.getParent();
        }
        assertTrue(root != null, "the checkout's README.md was not found above " + Path.of("").toAbsolutePath());
        List<String> lines = Files.readAllLines(root.resolve("README.md"));
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String fence = lines.get(i).trim();
            if (!fence.startsWith("```java")) {
                continue;
            }
            StringBuilder text = new StringBuilder();
            int start = i + 1;
            for (i++; i < lines.size() && !lines.get(i).trim().equals("```"); i++) {
                text.append(lines.get(i)).append('\n');
            }
            blocks.add(new Block(start + 1, text.toString(), fence.contains("compile-only")));
        }
        return blocks;
    }

    @Test
    void everyJavaBlockOfTheReadmeCompilesAsWrittenAndTheQuickOnesRun(@TempDir Path dir) throws Exception {
        List<Block> blocks = blocks();
        assertTrue(blocks.size() >= 4, "the README's Java blocks were found: " + blocks.size());
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<Path> sources = new ArrayList<>();
        for (Block b : blocks) {
            Path source = dir.resolve(b.className() + ".java");
            Files.writeString(source, b.source());
            sources.add(source);
        }
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, null)) {
            boolean ok = javac.getTask(null, files, diagnostics, List.of("-d", dir.toString(), "-classpath",
                    System.getProperty("java.class.path"), "-proc:none"), null, files.getJavaFileObjectsFromPaths(sources)).call();
            StringBuilder errors = new StringBuilder();
            for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                if (d.getKind() == Diagnostic.Kind.ERROR) {
                    errors.append(d.getSource().getName()).append(" (README block) line ").append(d.getLineNumber())
                            .append(": ").append(d.getMessage(Locale.ROOT)).append('\n');
                }
            }
            assertTrue(ok && errors.isEmpty(), "README examples that do not compile:\n" + errors);
        }
        int ran = 0;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            for (Block b : blocks) {
                if (!b.compileOnly()) {
                    Method example = loader.loadClass(b.className()).getMethod("example");
                    example.invoke(null);
                    ran++;
                }
            }
        }
        assertTrue(ran >= 2, "at least the first two examples run: " + ran);
    }
}

package dev.backprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * What a project that depends on Backprop relies on in the build files: the BOM (which has no parent,
 * so nothing keeps it in step by itself) names every published module at the build's version, each of
 * them has its javadoc overview page, and every module names its JPMS module after itself.
 */
class BuildMetadataTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** Modules built but not published: benchmarks, the framework comparison, and the examples' runner. */
    private static final Set<String> UNPUBLISHED = Set.of("backprop-bom", "backprop-bench", "backprop-compare", "backprop-examples");

    private static Document read(Path pom) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    }

    /** The text of the first element called {@code name} directly under {@code parent}. */
    private static String child(Element parent, String name) {
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i) instanceof Element e && e.getTagName().equals(name)) {
                return e.getTextContent().trim();
            }
        }
        return null;
    }

    private static List<String> texts(Document doc, String tag) {
        List<String> out = new ArrayList<>();
        NodeList nodes = doc.getElementsByTagName(tag);
        for (int i = 0; i < nodes.getLength(); i++) {
            out.add(nodes.item(i).getTextContent().trim());
        }
        return out;
    }

    @Test
    void theBomNamesEveryPublishedModuleAtTheBuildsVersion() throws Exception {
        Document parent = read(ROOT.resolve("pom.xml"));
        Document bom = read(ROOT.resolve("backprop-bom/pom.xml"));
        assertEquals(child(parent.getDocumentElement(), "version"), child(bom.getDocumentElement(), "version"),
                "backprop-bom's version must follow the parent's");
        Set<String> published = new TreeSet<>(texts(parent, "module"));
        published.removeAll(UNPUBLISHED);
        Set<String> managed = new TreeSet<>();
        NodeList deps = bom.getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            assertEquals("dev.backprop", child(d, "groupId"));
            assertEquals("${project.version}", child(d, "version"));
            managed.add(child(d, "artifactId"));
        }
        assertEquals(published, managed);
        for (String module : published) {
            // The javadoc build reads each published module's overview page; a missing one fails it.
            Path overview = ROOT.resolve(module).resolve("src/main/javadoc/overview.html");
            assertTrue(Files.readString(overview).contains("<title>" + module + "</title>"), overview.toString());
        }
    }

    @Test
    void everyModuleNamesItsJavaModuleAndTheLicenceIsThere() throws Exception {
        for (String module : texts(read(ROOT.resolve("pom.xml")), "module")) {
            if (module.equals("backprop-bom")) {
                continue;
            }
            List<String> names = texts(read(ROOT.resolve(module).resolve("pom.xml")), "backprop.moduleName");
            assertEquals(List.of("dev.backprop." + module.substring("backprop-".length())), names, module);
        }
        assertTrue(Files.readString(ROOT.resolve("LICENSE")).contains("Apache License"));
        assertTrue(Files.readString(ROOT.resolve("NOTICE")).contains("Chart.js"));
    }
}

package dev.backprop.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import jdk.incubator.vector.Vector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/**
 * Every vector species, constant vector, mask and shuffle the kernels keep in a static field has the CPU's
 * preferred shape. The Vector API's convenience methods ({@code add}, {@code mul}, {@code fma}, ...) dispatch to
 * the vector class through call sites inside the JDK, whose type profiles every caller shares. A second shape
 * anywhere in the program (half-width vectors for short rows, 128-bit moves for packing) makes those profiles
 * bimorphic; C2 then inlines both classes at every call and merges their results, which it cannot keep in
 * registers: it boxes them, an array allocated per vector operation in code that never touches the second shape
 * (stop 42, Zen 4: 8.9 MB a step of the GPT recipe, 10.6 GB in LeNet-5's row copies in one {@code bench}).
 */
class SpeciesTest {
    @Test
    void everyVectorConstantHasThePreferredShape() throws Exception {
        Path folder = Path.of(CpuBackend.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("dev/backprop/cpu");
        List<String> checked = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).sorted().toList()) {
                String name = file.getFileName().toString().replace(".class", "");
                Class<?> type = Class.forName("dev.backprop.cpu." + name, true, SpeciesTest.class.getClassLoader());
                for (Field field : type.getDeclaredFields()) {
                    VectorShape shape = shapeOf(field);
                    if (shape != null) {
                        String where = name + "." + field.getName();
                        checked.add(where);
                        if (shape != VectorShape.preferredShape()) {
                            wrong.add(where + " is " + shape);
                        }
                    }
                }
            }
        }
        assertTrue(checked.contains("Sgemm.S") && checked.contains("DirectConvolution.S") && checked.size() >= 10,
                "the scan found the kernels' constants: " + checked);
        assertEquals(List.of(), wrong, "constants of another shape than " + VectorShape.preferredShape());
    }

    private static VectorShape shapeOf(Field field) throws IllegalAccessException {
        if (!Modifier.isStatic(field.getModifiers())) {
            return null;
        }
        Class<?> type = field.getType();
        boolean vectorish = VectorSpecies.class.isAssignableFrom(type) || Vector.class.isAssignableFrom(type)
                || VectorMask.class.isAssignableFrom(type) || VectorShuffle.class.isAssignableFrom(type);
        if (!vectorish) {
            return null;
        }
        field.setAccessible(true);
        Object value = field.get(null);
        if (value instanceof VectorSpecies<?> species) {
            return species.vectorShape();
        } else if (value instanceof Vector<?> vector) {
            return vector.shape();
        } else if (value instanceof VectorMask<?> mask) {
            return mask.vectorSpecies().vectorShape();
        } else if (value instanceof VectorShuffle<?> shuffle) {
            return shuffle.vectorSpecies().vectorShape();
        }
        return null;
    }
}

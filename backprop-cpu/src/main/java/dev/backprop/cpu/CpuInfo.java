package dev.backprop.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jdk.incubator.vector.FloatVector;

/**
 * The processor the kernels run on, for figures that must name it: its model name and family as
 * {@code /proc/cpuinfo} gives them ({@code family} 25 is AMD Zen 3 or 4, 26 Zen 5, 6 any recent Intel core, as far
 * as a virtual machine tells; -1 where unknown),
 * the vector width the Vector API uses, and the rows of the GEMM register tiles chosen for it.
 *
 * @param model          the model name, e.g. "AMD EPYC 9B45", or "unknown CPU"
 * @param family         the CPU family number, -1 where the system does not say
 * @param vectorBits     bits of {@code FloatVector.SPECIES_PREFERRED}: 512 with AVX-512, 256 with AVX2
 * @param tileRows       rows of the packed GEMM's register tile on this CPU
 * @param sparseTileRows rows of the register tile of the products that skip a mostly-zero operand's zeros
 */
public record CpuInfo(String model, int family, int vectorBits, int tileRows, int sparseTileRows) {

    /** The family number Intel's recent cores report. */
    static final int INTEL = 6;
    /** The family number of AMD's Zen 3 and Zen 4 cores (of those, only Zen 4 has AVX-512). */
    static final int ZEN_3_OR_4 = 25;

    /** This machine's. */
    public static CpuInfo current() {
        return new CpuInfo(field("model name", "unknown CPU"), readFamily(), FloatVector.SPECIES_PREFERRED.vectorBitSize(),
                Sgemm.MR, SparseTiles.MR);
    }

    /** The CPU family number from {@code /proc/cpuinfo}, -1 where the system does not say. */
    static int readFamily() {
        String f = field("cpu family", "");
        return f.matches("\\d+") ? Integer.parseInt(f) : -1;
    }

    /** The first processor's lines of {@code /proc/cpuinfo}, read once; none on other systems. */
    private static final List<String> CPUINFO = readCpuinfo();

    private static List<String> readCpuinfo() {
        try (var lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.takeWhile(line -> !line.isBlank()).toList();
        } catch (IOException | java.io.UncheckedIOException | SecurityException notLinux) {
            return List.of();   // other systems: unknown; the figures still name the vector width
        }
    }

    private static String field(String name, String otherwise) {
        for (String line : CPUINFO) {
            if (line.startsWith(name)) {
                return line.substring(line.indexOf(':') + 1).strip();
            }
        }
        return otherwise;
    }

    /** E.g. "AMD EPYC (family 25), 256-bit vectors". */
    @Override
    public String toString() {
        return model + (family >= 0 ? " (family " + family + ")" : "") + ", " + vectorBits + "-bit vectors";
    }
}

package dev.backprop.cli;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** The non-empty lines of a UTF-8 text file with their line numbers, with errors that name the option. */
final class InputLines {
    private InputLines() {
    }

    /** A non-empty line and its number in the file (from 1). */
    record Line(int number, String text) {
    }

    static List<Line> read(Path file, String option) throws IOException {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return java.util.stream.IntStream.range(0, all.size()).filter(i -> !all.get(i).isBlank())
                    .mapToObj(i -> new Line(i + 1, all.get(i))).toList();
        } catch (NoSuchFileException e) {
            throw new IOException(option + ": " + file + " does not exist", e);
        } catch (MalformedInputException e) {
            throw new IOException(option + ": " + file + " is not UTF-8 text", e);
        }
    }
}

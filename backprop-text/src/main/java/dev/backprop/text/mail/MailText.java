package dev.backprop.text.mail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.james.mime4j.dom.Body;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.TextBody;
import org.apache.james.mime4j.dom.field.ContentTypeField;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;
import org.jsoup.Jsoup;

/**
 * The text a model reads of a raw e-mail: its subject and its body, decoded. MIME multipart
 * messages contribute their text parts (of a {@code multipart/alternative}, the plain part when
 * there is one, else the HTML); quoted-printable and base64 bodies are decoded in their declared
 * character set (an unknown one is read as ISO-8859-1); HTML is reduced to its text; attachments
 * are left out. Headers other than the subject are excluded by default, because their mailing-list
 * names, relay hosts and spam-filter marks give the label away; {@code withHeaders} keeps them, for
 * comparison. A malformed message never throws: what cannot be parsed as MIME is read as plain text
 * after its header block.
 */
public final class MailText {
    private static final int MAX_TEXT_CHARS = 200_000;

    private MailText() {
    }

    /** Whether raw bytes start with a header block ("Name: value" lines, or mbox's "From "), as an e-mail does. */
    public static boolean looksLikeMail(byte[] raw) {
        String head = new String(raw, 0, Math.min(raw.length, 2000), StandardCharsets.ISO_8859_1);
        return head.startsWith("From ") || head.lines().findFirst().map(l -> l.matches("[A-Za-z][A-Za-z0-9-]*: .*"))
                .orElse(false);
    }

    /** Subject and body text of a raw message. */
    public static String of(byte[] raw) {
        return of(raw, false);
    }

    /** Subject and body text; with {@code withHeaders}, every header line first. */
    public static String of(byte[] raw, boolean withHeaders) {
        String text;
        try {
            text = parse(raw, withHeaders);
        } catch (IOException | RuntimeException e) {
            text = fallback(raw, withHeaders);
        }
        text = text.replace('\u0000', ' ').strip();
        return text.length() <= MAX_TEXT_CHARS ? text : text.substring(0, MAX_TEXT_CHARS);
    }

    private static String parse(byte[] raw, boolean withHeaders) throws IOException {
        MimeConfig config = MimeConfig.custom().setMaxLineLen(-1).setMaxHeaderLen(-1).setMaxHeaderCount(-1)
                .setMaxContentLen(-1).setStrictParsing(false).build();
        DefaultMessageBuilder builder = new DefaultMessageBuilder();
        builder.setMimeEntityConfig(config);
        builder.setDecodeMonitor(org.apache.james.mime4j.codec.DecodeMonitor.SILENT);
        Message m = builder.parseMessage(new ByteArrayInputStream(raw));
        StringBuilder out = new StringBuilder();
        if (withHeaders) {
            for (Field f : m.getHeader().getFields()) {
                out.append(f.getName()).append(": ").append(decodeHeader(f.getBody())).append('\n');
            }
        } else if (m.getSubject() != null) {
            out.append(m.getSubject()).append('\n');
        }
        body(m, out);
        return out.toString();
    }

    private static String decodeHeader(String value) {
        try {
            return org.apache.james.mime4j.codec.DecoderUtil.decodeEncodedWords(value,
                    org.apache.james.mime4j.codec.DecodeMonitor.SILENT);
        } catch (RuntimeException e) {
            return value;
        }
    }

    private static void body(Entity entity, StringBuilder out) throws IOException {
        Body body = entity.getBody();
        if (body instanceof Multipart multipart) {
            boolean alternative = "alternative".equalsIgnoreCase(multipart.getSubType());
            if (alternative) {
                Entity chosen = null;
                for (Entity part : multipart.getBodyParts()) {
                    String type = part.getMimeType().toLowerCase(Locale.ROOT);
                    if (type.equals("text/plain") || chosen == null && (type.equals("text/html")
                            || part.getBody() instanceof Multipart)) {
                        chosen = part;
                    }
                }
                if (chosen != null) {
                    body(chosen, out);
                }
                return;
            }
            for (Entity part : multipart.getBodyParts()) {
                body(part, out);
            }
        } else if (body instanceof Message inner) {
            if (inner.getSubject() != null) {
                out.append(inner.getSubject()).append('\n');
            }
            body(inner, out);
        } else if (body instanceof TextBody text) {
            String type = entity.getMimeType().toLowerCase(Locale.ROOT);
            boolean attachment = "attachment".equalsIgnoreCase(entity.getDispositionType());
            if (attachment || !(type.startsWith("text/") || type.equals("message/rfc822"))) {
                return;
            }
            String content = read(text, charset(entity));
            out.append(type.equals("text/html") ? html(content) : content).append('\n');
        }
    }

    /** The declared character set, or ISO-8859-1 when it is missing, unknown or unsupported. */
    private static Charset charset(Entity entity) {
        String name = entity.getCharset();
        if (entity.getHeader() != null && entity.getHeader().getField("Content-Type") instanceof ContentTypeField ct) {
            name = ct.getCharset();
        }
        try {
            return name == null || name.isBlank() ? StandardCharsets.ISO_8859_1 : Charset.forName(name.strip());
        } catch (RuntimeException e) {
            return StandardCharsets.ISO_8859_1;
        }
    }

    private static String read(TextBody text, Charset charset) throws IOException {
        try (InputStream in = text.getInputStream()) {
            return new String(in.readNBytes(4 * MAX_TEXT_CHARS), charset);
        }
    }

    /** The visible text of an HTML document. */
    static String html(String html) {
        return Jsoup.parse(html).text();
    }

    /** Not MIME at all: the body after the first blank line, as ISO-8859-1 (HTML, if it looks like it, reduced). */
    private static String fallback(byte[] raw, boolean withHeaders) {
        String all = new String(raw, StandardCharsets.ISO_8859_1);
        int split = all.indexOf("\n\n");
        if (split < 0) {
            split = all.indexOf("\r\n\r\n");
        }
        String headers = split < 0 ? "" : all.substring(0, split);
        String bodyText = split < 0 ? all : all.substring(split).strip();
        if (bodyText.regionMatches(true, 0, "<html", 0, 5) || bodyText.contains("<body")) {
            bodyText = html(bodyText);
        }
        String subject = headers.lines().filter(l -> l.regionMatches(true, 0, "Subject:", 0, 8))
                .map(l -> l.substring(8).strip()).findFirst().orElse("");
        return (withHeaders ? headers : subject) + "\n" + bodyText;
    }
}

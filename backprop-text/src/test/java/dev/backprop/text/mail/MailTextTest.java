package dev.backprop.text.mail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Raw e-mails of every kind the corpus holds, decoded to the text a model reads. */
class MailTextTest {

    private static byte[] mail(String text) {
        return text.replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aPlainMessageIsItsSubjectAndBodyWithoutHeaders() {
        byte[] raw = mail("From: list@example.org\nX-Spam-Status: No\nSubject: Meeting moved\n\nSee you at 3pm.\n");
        assertEquals("Meeting moved\nSee you at 3pm.", MailText.of(raw));
        String withHeaders = MailText.of(raw, true);
        assertTrue(withHeaders.contains("X-Spam-Status: No") && withHeaders.contains("See you at 3pm."), withHeaders);
    }

    @Test
    void quotedPrintableBase64CharsetsAndEncodedSubjectsAreDecoded() {
        byte[] qp = mail("Subject: =?utf-8?B?Q2Fmw6kgbWVudQ==?=\nContent-Type: text/plain; charset=utf-8\n"
                + "Content-Transfer-Encoding: quoted-printable\n\nCaf=C3=A9 au lait, cr=C3=A8me br=C3=BBl=C3=A9e=\n for two\n");
        assertEquals("Café menu\nCafé au lait, crème brûlée for two", MailText.of(qp));
        String body = Base64.getMimeEncoder().encodeToString("\u201cSmart quotes\u201d \u20ac100".getBytes(
                java.nio.charset.Charset.forName("windows-1252")));
        byte[] b64 = mail("Subject: offer\nContent-Type: text/plain; charset=windows-1252\n"
                + "Content-Transfer-Encoding: base64\n\n" + body + "\n");
        assertEquals("offer\n\u201cSmart quotes\u201d \u20ac100", MailText.of(b64));
        byte[] unknown = mail("Subject: x\nContent-Type: text/plain; charset=x-unheard-of\n\nna\u00efve\n");
        assertEquals("x\nna\u00efve", MailText.of(unknown), "an unknown character set is read as ISO-8859-1");
    }

    @Test
    void multipartTakesThePlainAlternativeAndSkipsAttachments() {
        byte[] raw = mail("Subject: news\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"OUT\"\n\n"
                + "--OUT\nContent-Type: multipart/alternative; boundary=\"ALT\"\n\n"
                + "--ALT\nContent-Type: text/plain\n\nplain words\n--ALT\nContent-Type: text/html\n\n<p>html words</p>\n--ALT--\n"
                + "--OUT\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=a.pdf\n"
                + "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n"
                + "--OUT\nContent-Type: text/plain\nContent-Disposition: attachment; filename=notes.txt\n\nattached notes\n"
                + "--OUT--\n");
        assertEquals("news\nplain words", MailText.of(raw));
    }

    @Test
    void htmlIsReducedToItsVisibleText() {
        byte[] raw = mail("Subject: WIN\nContent-Type: text/html\n\n<html><head><style>p{color:red}</style>"
                + "<script>evil()</script></head><body><p>Click <a href='http://x'>HERE</a> now!</p></body></html>\n");
        assertEquals("WIN\nClick HERE now!", MailText.of(raw));
    }

    @Test
    void malformedAndBinaryMessagesDecodeAsFarAsTheyGoAndNeverThrow() {
        byte[] broken = mail("Subject: half\nContent-Type: multipart/mixed; boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\n"
                + "the part that made it\n");
        assertTrue(MailText.of(broken).contains("the part that made it"), MailText.of(broken));
        assertEquals("", MailText.of(new byte[0]));
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 200; i++) {
            byte[] noise = new byte[r.nextInt(1, 4000)];
            r.nextBytes(noise);
            assertFalse(MailText.of(noise).contains("\u0000"));
        }
    }
}

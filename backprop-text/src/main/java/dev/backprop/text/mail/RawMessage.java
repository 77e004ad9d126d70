package dev.backprop.text.mail;

/**
 * One message as stored: the corpus folder it came from ({@code easy_ham}, {@code spam_2}, ...), its
 * file name, its bytes (at most {@link MailArchives#MAX_MESSAGE_BYTES}), whether those bytes match
 * the MD5 its name carries, and whether it was cut to the size limit.
 */
public record RawMessage(String folder, String name, byte[] bytes, boolean intact, boolean truncated) {
}

package io.totesys.pipeline.commands;

/**
 * A command cannot do what it was asked: its input names no batch or table there is, or the
 * service cannot take the request. The message is the one line the command prints.
 */
class CommandException extends RuntimeException {

    CommandException(String message) {
        super(message);
    }
}

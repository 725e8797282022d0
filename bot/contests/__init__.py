"""Quiz contests outside the chat: the question bank in Excel (import, template, results
export) and the certificate picture residents receive when they pass."""

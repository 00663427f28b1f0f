"""E-mail in: parsing RFC 5322 messages, .eml/.mbox files and IMAP mailboxes."""

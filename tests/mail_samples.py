"""Raw mails as they arrive at a Swedish contact centre's mailbox."""

from __future__ import annotations

OWN = "kontakt@kommun.example"

SWEDISH_QP = b"""From: =?iso-8859-1?q?Bj=F6rn_=C5str=F6m?= <bjorn@example.se>
To: kontakt@kommun.example
Subject: =?iso-8859-1?q?Fr=E5ga_om_bygglov?=
Date: Mon, 16 Nov 2026 09:15:00 +0100
Message-ID: <q1@example.se>
MIME-Version: 1.0
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Hej! N=E4r kan jag f=E5 svar p=E5 min ans=F6kan om bygglov f=F6r f=F6rr=E5det?
H=E4lsningar, Bj=F6rn
"""

HTML_ONLY = b"""From: Sara Lind <sara@example.se>
To: kontakt@kommun.example
Subject: Parkering
Date: Mon, 16 Nov 2026 09:30:00 +0100
Message-ID: <h1@example.se>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 8bit

<html><head><style>p {color: red}</style><script>alert(1)</script></head>
<body><p>Var f\xc3\xa5r jag <b>parkera</b>?</p><p>Tack &amp; hej</p></body></html>
"""

WITH_ATTACHMENT = b"""From: Per Berg <per@example.se>
To: kontakt@kommun.example
Subject: Ritning
Date: Mon, 16 Nov 2026 09:45:00 +0100
Message-ID: <a1@example.se>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="XYZ"

--XYZ
Content-Type: text/plain; charset=utf-8

Se bifogad ritning.
--XYZ
Content-Type: application/pdf; name="ritning.pdf"
Content-Disposition: attachment; filename="ritning.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcOkw7zDtsOfCg==
--XYZ--
"""

AUTO_REPLY = b"""From: Anna Ek <anna@example.se>
To: kontakt@kommun.example
Subject: =?utf-8?q?Fr=C3=A5nvarande?=
Date: Mon, 16 Nov 2026 10:05:00 +0100
Message-ID: <auto1@example.se>
Auto-Submitted: auto-replied
Content-Type: text/plain; charset=utf-8

Jag \xc3\xa4r tillbaka den 30 november.
"""

BOUNCE = b"""From: MAILER-DAEMON@mx.example.se
To: kontakt@kommun.example
Return-Path: <>
Subject: Undelivered Mail Returned to Sender
Date: Mon, 16 Nov 2026 10:10:00 +0100
Message-ID: <bounce1@mx.example.se>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

The mail could not be delivered.
--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.se
Final-Recipient: rfc822; nobody@example.se
Action: failed
Status: 5.1.1
--B--
"""

FOLLOW_UP = b"""From: =?iso-8859-1?q?Bj=F6rn_=C5str=F6m?= <bjorn@example.se>
To: kontakt@kommun.example
Subject: Re: =?iso-8859-1?q?Fr=E5ga_om_bygglov?=
Date: Mon, 16 Nov 2026 10:00:00 +0100
Message-ID: <q2@example.se>
In-Reply-To: <q1@example.se>
References: <q1@example.se>
Content-Type: text/plain; charset=utf-8

Jag gl\xc3\xb6mde: det g\xc3\xa4ller fastigheten Ekbacken 3.
"""

OUR_REPLY = b"""From: Kontaktcenter <kontakt@kommun.example>
To: bjorn@example.se
Subject: Re: =?iso-8859-1?q?Fr=E5ga_om_bygglov?=
Date: Mon, 16 Nov 2026 11:00:00 +0100
Message-ID: <r1@kommun.example>
In-Reply-To: <q2@example.se>
References: <q1@example.se> <q2@example.se>
Content-Type: text/plain; charset=utf-8

Hej Bj\xc3\xb6rn, handl\xc3\xa4ggaren ringer dig i morgon.
"""

# Replies only to our reply: threads through the response it refers to.
AFTER_OUR_REPLY = b"""From: =?iso-8859-1?q?Bj=F6rn_=C5str=F6m?= <bjorn@example.se>
To: kontakt@kommun.example
Subject: Re: Re: bygglov
Date: Mon, 16 Nov 2026 12:00:00 +0100
Message-ID: <q3@example.se>
In-Reply-To: <r1@kommun.example>
Content-Type: text/plain; charset=utf-8

Tack!
"""

ALL = [
    SWEDISH_QP,
    HTML_ONLY,
    WITH_ATTACHMENT,
    AUTO_REPLY,
    BOUNCE,
    FOLLOW_UP,
    OUR_REPLY,
    AFTER_OUR_REPLY,
]


def crlf(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")

"""The reasons in French: the matcher's, the planner's held-back reasons and the worklist's, translated when a page
is rendered (issue 18 item 5).

The pure wing and the services write their reasons in English, and the CLI, the API and the audit log keep them so;
a French page shows them in French. Each sentence the code writes is one entry of ``CATALOGUE``: its English
pattern, where ``{name:kind}`` stands for what varies, and its French. The kinds say how a part is written:

``m`` an amount (1 234,56 €), ``n`` a number (64,6), ``d`` an ISO date (06/12/2026), ``r`` a reason (translated in
turn), ``x`` text shown as it is (a name, an invoice number), ``l`` a dunning level, ``c`` channels, ``p`` a pause
(``e`` one of the e-invoicing platform's), ``f`` a schedule profile, ``b`` a bank reference (left out when lettrage
made it up, ``csv:…``), ``o`` a customer ref (with the customer's name when the page knows it), ``k`` a channel's
noun (the call task), ``s`` a state (rejected), ``w`` a kind of write-off, ``t`` a time in UTC (shown in the
company's time zone), ``a`` who decided (``user:ada@x.fr`` is ada@x.fr).

Entries are tried in order and the first whose whole pattern fits wins: a sentence that ends another (``…: not
reminded while…``) comes before it, the generic joints (``a; b``) last. A sentence no entry knows is shown with its
dates, amounts and codes written the French way: the test walking the French pages (tests/integration/
test_web_french.py) names it, and an entry is added here. The refusals of a decision (one line each) are here too:
the pages show them through ``t(message)`` (worker/web/render.py).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from functools import lru_cache

from worker.web.i18n import format_money
from worker.web.labels import format_actor, format_day, format_moment, format_number, label, labels

CATALOGUE: tuple[tuple[str, str], ...] = (
    # matching/engine.py: why an item is in review
    ("not applied automatically: {a:r}", "non appliqué automatiquement : {a}"),
    ("no reference to the invoice in the payment", "le paiement ne cite pas la facture"),
    ("best score {s:n} below auto threshold {t:n}", "meilleur score {s} sous le seuil automatique {t}"),
    ("ambiguous: runner-up within {m:n} of the best candidate",
     "ambigu : la deuxième proposition est à moins de {m} de la meilleure"),
    ("no open invoice matches the reference, amount or payer",
     "aucune facture ouverte ne correspond à la référence, au montant ni au payeur"),
    ("no open invoice in {c:x}", "aucune facture ouverte en {c}"),
    ("reference {n:x} is an invoice in {c:x}, the line is in {d:x}",
     "la référence {n} est une facture en {c}, la ligne est en {d}"),
    ("reference {n:x}: invoice already settled earlier in this run",
     "référence {n} : facture déjà réglée plus tôt dans ce passage"),
    ("payer {k:x} known for customer {o:o}, but no open invoice fits {a:m}",
     "{k} du payeur connu pour le client {o}, mais aucune facture ouverte ne correspond à {a}"),
    (("the payment quotes {q:x}, already settled: a second payment of it is the customer's credit to decide on, not "
      "a payment of another invoice"),
     ("le paiement cite {q}, déjà réglée : un deuxième paiement est un avoir du client à décider, pas le paiement "
      "d'une autre facture")),
    ("quotes {w:x}, which is not (yet) an invoice; one typo away from {n:x}, but the amount does not settle it",
     "cite {w}, qui n'est pas (encore) une facture ; à une faute de frappe de {n}, mais le montant ne la règle pas"),
    (("no exact combination of the customer's open invoices makes {a:m}: its open invoices, oldest due first (Code "
      "civil art. 1342-10)"),
     ("aucune combinaison exacte des factures ouvertes du client ne fait {a} : ses factures ouvertes, la plus "
      "ancienne échéance d'abord (Code civil art. 1342-10)")),
    (("a payment of a recognised customer ({p:r}) that fits no exact combination of its open invoices: for review, "
      "not left unmatched"),
     ("paiement d'un client reconnu ({p}) qui ne correspond à aucune combinaison exacte de ses factures ouvertes : "
      "à revoir, plutôt que laissé non lettré")),
    (("same score as candidate {o:x}: ordered as the law imputes a payment, the oldest due first (Code civil art. "
      "1342-10)"),
     ("même score que la proposition {o} : rangée comme la loi impute un paiement, la plus ancienne échéance "
      "d'abord (Code civil art. 1342-10)")),
    (("{n:n} other open invoice(s) of this customer owe the same amount: imputed to the oldest due (Code civil art. "
      "1342-10)"),
     ("{n} autre(s) facture(s) ouverte(s) de ce client doivent le même montant : imputé à la plus ancienne échéance "
      "(Code civil art. 1342-10)")),
    ("weak evidence, but the line names or settles an open invoice: not left unmatched",
     "indices faibles, mais la ligne cite ou règle une facture ouverte : pas laissée non lettrée"),
    ("the only open invoice of this customer owing this amount", "la seule facture ouverte de ce client de ce montant"),
    ("the excess {a:m} stays the customer's credit", "l'excédent de {a} reste en avoir du client"),
    ("difference {a:m} written off as bank fee: {w:r}", "écart de {a} passé en frais bancaires : {w}"),
    ("difference {a:m} written off as payment difference (écart de règlement): {w:r}",
     "écart de {a} passé en écart de règlement : {w}"),
    ("tolerance {t:m}", "tolérance de {t}"),
    ("a foreign bank's fee ({e:r}), at most {a:m}", "frais d'une banque étrangère ({e}), au plus {a}"),
    ("payment difference within {l:m} (the smaller of {a:m} and {r:n} % of {o:m})",
     "écart de règlement d'au plus {l} (le plus petit de {a} et de {r} % de {o})"),
    ("payment difference within the amount tolerance {t:m}", "écart de règlement dans la tolérance de montant de {t}"),
    ("the bank states charges of {a:m}", "la banque indique des frais de {a}"),
    ("sent in {c:x}, converted", "envoyé en {c}, converti"),
    ("payer's account in {c:x}, outside the SEPA area", "compte du payeur en {c}, hors de la zone SEPA"),
    # matching/discount.py: an invoice's early-payment discount and retention money (issue 19)
    ("difference {a:m} written off as discount granted (escompte): {w:r}", "écart de {a} passé en escompte accordé : {w}"),
    ("the early-payment discount the invoice grants (matching.discount)", "l'escompte que la facture accorde"),
    ("paid on {p:d}, within the discount period: {w:r} (conditions d'escompte, C. com. art. L441-9 I)",
     "payé le {p}, dans le délai d'escompte : {w} (conditions d'escompte, C. com. art. L441-9 I)"),
    ("paid on {p:d}, after the discount period ended on {d:d}: the {w:r} is not due",
     "payé le {p}, après la fin du délai d'escompte le {d} : {w} n'est pas dû"),
    ("early-payment discount {a:m} ({r:n} %) if paid by {d:d}",
     "l'escompte de {a} ({r} %) pour un paiement au plus tard le {d}"),
    ("early-payment discount {a:m} if paid by {d:d}", "l'escompte de {a} pour un paiement au plus tard le {d}"),
    ("{a:m} written off as discount granted (of which {r:m} rounding)",
     "{a} passés en escompte accordé (dont {r} d'arrondi)"),
    ("{a:m} written off as discount granted", "{a} passés en escompte accordé"),
    (("the discount reduces the VAT base (CGI art. 267 II-1°): issue a credit note for it (CGI art. 272-1) unless "
      "the invoice stated its VAT net of discount"),
     ("l'escompte réduit la base de la TVA (CGI art. 267 II-1°) : émettez-en l'avoir (CGI art. 272-1), sauf si la "
      "facture indiquait sa TVA nette d'escompte")),
    ("the retention {a:m} stays open until {d:d}", "la retenue de garantie de {a} reste ouverte, exigible le {d}"),
    ("the shortfall {a:m} stays open and is chased", "le manque de {a} reste dû et est relancé"),
    (("pays the invoice less its retention money {a:m} (retenue de garantie, loi n° 71-584 du 16 juillet 1971 art. "
      "1), not due before {d:d}: the retained part stays open, not chased before then, nothing written off"),
     ("paie la facture moins sa retenue de garantie de {a} (loi n° 71-584, art. 1), exigible le {d} seulement : la "
      "part retenue reste ouverte, sans relance d'ici là, rien n'est passé en perte")),
    # reminders/law/retention.py, worker/dunning/worklist.py
    (("retention money {a:m} of {n:x} (retenue de garantie, loi n° 71-584 du 16 juillet 1971 art. 1) is not due "
      "before its release on {d:d}"),
     "la retenue de garantie de {a} de {n} (loi n° 71-584, art. 1) n'est pas exigible avant sa libération le {d}"),
    (("retention of {n:x} released on {d:d}: claim it ({a:m} withheld, loi n° 71-584 du 16 juillet 1971 art. 2: "
      "due a year after reception unless the client notified reserves)"),
     ("retenue de garantie de {n} libérée le {d} : réclamez-la ({a} retenus, loi n° 71-584, art. 2 : exigible un an "
      "après la réception sauf opposition motivée du client)")),
    ("on the retention money {a:m} only from its release on {d:d} (loi n° 71-584 du 16 juillet 1971 art. 2)",
     "sur la retenue de garantie de {a} à compter de sa libération le {d} seulement (loi n° 71-584 art. 2)"),
    ("early-payment discount {a:m} granted on {n:x} (paid {p:d}): {v:r}",
     "escompte de {a} accordé sur {n} (payée le {p}) : {v}"),
    # matching/amounts.py
    ("amount {a:m} equals {w:r}", "le montant {a} est égal au {w}"),
    ("amount {a:m} is {s:m} short of {w:r} {o:m}: {y:r}", "le montant {a} est inférieur de {s} au {w} {o} : {y}"),
    ("amount {a:m} within tolerance {t:m} of {w:r} {o:m}", "le montant {a} est dans la tolérance de {t} du {w} {o}"),
    ("partial payment: {a:m} of {w:r} {o:m}", "paiement partiel : {a} sur {o} ({w})"),
    ("over-payment: {a:m} exceeds {w:r} {o:m} by {e:m}", "trop-perçu : {a} dépasse de {e} le {w} {o}"),
    ("open amount", "reste dû"),
    ("the sum of {n:n} open invoices", "total des {n} factures ouvertes"),
    # matching/names.py, matching/engine.py: the payer
    ("payer name '{p:x}' ~ '{q:x}' ({s:n})", "nom du payeur « {p} » ≈ « {q} » ({s})"),
    ("payer name '{p:x}' is '{q:x}' word for word; no other customer's name is (the nearest {s:n})",
     ("nom du payeur « {p} » identique à « {q} » mot pour mot ; aucun autre client ne porte ce nom (le plus proche "
      "{s})")),
    ("payer name '{p:x}' is '{q:x}' ({s:n}); other customers share only part of it (at most {t:n})",
     "nom du payeur « {p} » = « {q} » ({s}) ; les autres clients n'en partagent qu'une partie (au plus {t})"),
    ("payer name identifies customer {o:o} and no other ({s:n})",
     "le nom du payeur désigne le client {o} et aucun autre ({s})"),
    ("payer name matches another customer ({x:o}), not {o:o}",
     "le nom du payeur correspond à un autre client ({x}), pas à {o}"),
    ("payer {k:x} known for customer {o:o} only", "{k} du payeur connu pour le client {o} seulement"),
    ("payer {k:x} known for another customer ({x:o}), not {o:o}",
     "{k} du payeur connu pour un autre client ({x}), pas pour {o}"),
    ("payer {k:x} known for customer {o:o}", "{k} du payeur connu pour le client {o}"),
    ("payer {k:x} known for {o:o} (among others) and the payment quotes its invoice",
     "{k} du payeur connu pour {o} (entre autres) et le paiement cite sa facture"),
    ("the payment quotes {n:x} of customer {o:o}", "le paiement cite {n} du client {o}"),
    # matching/references.py
    ("RF reference {f:x} in {w:r} is the payment reference of {n:x}",
     "la référence RF {f} ({w}) est la référence de paiement de {n}"),
    ("{f:x} in {w:r} is one typo away from {n:x} (weak)", "{f} ({w}) est à une faute de frappe de {n} (faible)"),
    ("number {f:x} in {w:r} matches the end of {n:x} (weak)", "le numéro {f} ({w}) est la fin de {n} (faible)"),
    ("reference {n:x} in {w:r}", "référence {n} ({w})"),
    ("text", "dans le libellé"),
    ("structured reference", "dans la référence structurée"),
    # matching/identify.py: what to do with a payment to identify
    ("payer not recognised: find the customer and allocate, or dismiss it as not a customer payment",
     "payeur non reconnu : trouvez le client et affectez, ou écartez-le comme pas un paiement client"),
    ("duplicate payment of {n:x} (already settled): keep {a:m} as {o:o}'s credit, or refund it",
     "paiement en double de {n} (déjà réglée) : gardez {a} en avoir de {o}, ou remboursez-le"),
    ("{o:o} owes nothing open in {c:x}: keep {a:m} as its credit, or refund it",
     "{o} ne doit rien en {c} : gardez {a} en avoir, ou remboursez-le"),
    ("{r:r}; the excess {a:m} stays {o:o}'s credit", "{r} ; l'excédent de {a} reste en avoir de {o}"),
    ("allocate to {p:x}: the invoices it quotes", "affecter à {p} : les factures qu'il cite"),
    ("allocate to {p:x}: the oldest due first (Code civil art. 1342-10)",
     "affecter à {p} : la plus ancienne échéance d'abord (Code civil art. 1342-10)"),
    ("payer IBAN known for customer {o:o}", "IBAN du payeur connu pour le client {o}"),
    ("payer SIREN {s:x} known for customer {o:o}", "SIREN du payeur {s} connu pour le client {o}"),
    # matching/credit_notes.py
    ("credit note {a:x} names {b:x}: not an open invoice of this customer in {c:x}",
     "l'avoir {a} cite {b} : pas une facture ouverte de ce client en {c}"),
    ("credit note {a:x} names {b:x}", "l'avoir {a} cite {b}"),
    # worker/reconciliation/review_resolve.py
    ("to check ({u:a}): {n:x}", "à vérifier ({u}) : {n}"),
    # worker/reconciliation/holds.py: why an invoice is not reminded while a payment waits
    ("{r:r}; held until {d:d}", "{r} ; suspendu jusqu'au {d}"),
    ("{r:r}; hold ended {d:d}: its invoices are reminded again",
     "{r} ; suspension terminée le {d} : ses factures sont de nouveau relancées"),
    ("{r:r}; hold ended {d:d}: reminders go out", "{r} ; suspension terminée le {d} : les relances partent"),
    ("payment {b:b} of {d:d} ({a:m}) awaits review", "le paiement {b}du {d} ({a}) attend la revue"),
    ("payment {b:b} of {d:d} ({a:m}) from this customer ({w:r}) awaits identification",
     "le paiement {b}du {d} ({a}) de ce client ({w}) attend d'être identifié"),
    ("payment {b:b} of {d:d} ({a:m}) to identify: {w:r}", "paiement {b}du {d} ({a}) à identifier : {w}"),
    # reminders/netting.py and the worklist: money received, not yet allocated
    # (a sentence that ends another is tried before it: its reason part would otherwise swallow the ending)
    ("{r:r}: allocate it to the invoices (`lettrage payments allocate {l:x} INVOICE`) or refund it",
     "{r} : affectez-le aux factures ou remboursez-le"),
    (("{r:r}: not reminded while that money is not allocated; decide the payment (`lettrage review list`, "
      "`lettrage payments unidentified`)"),
     ("{r} : pas de relance tant que cet argent n'est pas affecté ; décidez du paiement (file de revue, paiements à "
      "identifier)")),
    ("covered by {a:m} received and not yet allocated ({w:r})", "couvert par {a} reçus et pas encore affectés ({w})"),
    ("payment {b:b} of {d:d}, kept on account", "paiement {b}du {d}, gardé en avoir"),
    ("payment {b:b} of {d:d}, to identify", "paiement {b}du {d}, à identifier"),
    ("payment {b:b} of {d:d}, awaiting review", "paiement {b}du {d}, en revue"),
    # worker/dunning/worklist.py
    ("disputed since {d:d}: {n:x}", "litige depuis le {d} : {n}"),
    ("disputed since {d:d}", "litige depuis le {d}"),
    ("{p:e}: {n:x}", "{p} : {n}"),
    ("{p:e}", "{p}"),
    ("{l:l} by {c:c} awaits approval", "{l} par {c} : en attente d'approbation"),
    ("{l:l}: call the customer", "{l} : appeler le client"),
    # worker/dunning/proceedings.py: collective proceedings (held invoices, the declaration's worklist task)
    ('collective proceedings: {k:x} opened on {d:d} ({c:x}); claim born before the judgment: no reminder, penalty or formal notice (C. com. L622-7, L622-21, L622-28), to be declared to the {t:x} by {e:d}',
     'procédure collective : {k} ouverte le {d} ({c}) ; créance née avant le jugement : ni relance, ni pénalité, ni mise en demeure (C. com. L622-7, L622-21, L622-28), à déclarer au {t} au plus tard le {e}'),
    ('collective proceedings: {k:x} opened on {d:d} ({c:x}); claim born before the judgment: no reminder, penalty or formal notice (C. com. L622-7, L622-21, L622-28), to be declared to the {t:x} (BODACC publication date unknown)',
     'procédure collective : {k} ouverte le {d} ({c}) ; créance née avant le jugement : ni relance, ni pénalité, ni mise en demeure (C. com. L622-7, L622-21, L622-28), à déclarer au {t} (date de publication au BODACC inconnue)'),
    ('collective proceedings: {k:x} opened on {d:d} ({c:x}); claim born before the judgment: no reminder, penalty or formal notice (C. com. L622-7, L622-21, L622-28), to be declared to the {t:x}; declared on {e:d}',
     'procédure collective : {k} ouverte le {d} ({c}) ; créance née avant le jugement : ni relance, ni pénalité, ni mise en demeure (C. com. L622-7, L622-21, L622-28), à déclarer au {t} ; déclarée le {e}'),
    ('collective proceedings: {k:x} opened on {d:d}; claim born before the judgment: no reminder, penalty or formal notice (C. com. L622-7, L622-21, L622-28), to be declared to the {t:x} by {e:d}',
     'procédure collective : {k} ouverte le {d} ; créance née avant le jugement : ni relance, ni pénalité, ni mise en demeure (C. com. L622-7, L622-21, L622-28), à déclarer au {t} au plus tard le {e}'),
    ('collective proceedings: {k:x} opened on {d:d}; claim born before the judgment: no reminder, penalty or formal notice (C. com. L622-7, L622-21, L622-28), to be declared to the {t:x} (BODACC publication date unknown)',
     'procédure collective : {k} ouverte le {d} ; créance née avant le jugement : ni relance, ni pénalité, ni mise en demeure (C. com. L622-7, L622-21, L622-28), à déclarer au {t} (date de publication au BODACC inconnue)'),
    ('collective proceedings: {k:x} opened on {d:d}; claim born before the judgment: no reminder, penalty or formal notice (C. com. L622-7, L622-21, L622-28), to be declared to the {t:x}; declared on {e:d}',
     'procédure collective : {k} ouverte le {d} ; créance née avant le jugement : ni relance, ni pénalité, ni mise en demeure (C. com. L622-7, L622-21, L622-28), à déclarer au {t} ; déclarée le {e}'),
    (('declare the claim to the {t:x} by {e:d} ({k:x} opened on {d:d}; two months from the BODACC publication of '
      '{p:d}, C. com. R622-24)'),
     ('déclarer la créance au {t} au plus tard le {e} ({k} ouverte le {d} ; deux mois à compter de la publication '
      'au BODACC du {p}, C. com. R622-24)')),
    (('declare the claim to the {t:x}: {k:x} opened on {d:d}, BODACC publication date unknown (the two months of C. '
      'com. R622-24 run from it): set it with `lettrage customers proceedings set`'),
     ('déclarer la créance au {t} : {k} ouverte le {d}, date de publication au BODACC inconnue (les deux mois de '
      "l'art. R622-24 C. com. courent à partir d'elle) : à renseigner")),
    (('declaration period ended on {e:d} ({k:x} opened on {d:d}): ask the juge-commissaire for a relief from '
      'foreclosure (relevé de forclusion, C. com. L622-26) within six months of the publication'),
     ('délai de déclaration expiré le {e} ({k} ouverte le {d}) : demander au juge-commissaire un relevé de '
      'forclusion (C. com. L622-26) dans les six mois de la publication')),
    # worker/dunning/sender_identity.py: a message its company's identity cannot sign
    (("not sent: the sender identity of company {o:x} ({n:x}) lacks {k:x} for a {l:l} by {c:c} (set them in its "
      "TOML file's [company] section)"),
     ("non envoyé : l'identité de l'entreprise {o} ({n}) ne donne pas {k} pour {l} par {c} (à compléter dans la "
      "section d'identité de son fichier TOML)")),
    # reminders/freshness.py: no automatic reminder on stale or missing bank data (plan, worklist, dashboard)
    (("no bank statement imported yet: nothing shows which invoices are paid; import the statements of the account "
      "customers pay into"),
     ("aucun relevé bancaire importé : rien ne montre quelles factures sont payées ; importez les relevés du compte "
      "où les clients paient")),
    ("the bank data of {a:x} ends on {d:d}, {n:n} business days ago (the limit is {m:n}): import its statements",
     "les données bancaires de {a} s'arrêtent au {d}, il y a {n} jours ouvrés (limite : {m}) : importez ses relevés"),
    ("the bank data of {a:x} ends on {d:d}, {n:n} business day ago (the limit is {m:n}): import its statements",
     "les données bancaires de {a} s'arrêtent au {d}, il y a {n} jour ouvré (limite : {m}) : importez ses relevés"),
    ("no statement imported for {a:x}: import its statements", "aucun relevé importé pour {a} : importez ses relevés"),
    ("import the statements of the account customers pay into: no bank statement imported yet",
     "importer les relevés du compte où les clients paient : aucun relevé bancaire importé"),
    ("import the statements of {a:x}: last data {d:d}", "importer les relevés de {a} : dernières données du {d}"),
    ("import the statements of {a:x}: no statement imported", "importer les relevés de {a} : aucun relevé importé"),
    ("the {l:l} by {c:c} is not sent until then", "{l} par {c} n'est pas envoyée d'ici là"),
    ("payment promised by {d:d} (on {e:d}) not received", "paiement promis pour le {d} (promesse du {e}) non reçu"),
    (("a reminder due since {d:d} waits its turn behind the customer's other levels (one message per customer and "
      "run), named in a message by {e:d} at the latest: call or write if it cannot wait"),
     ("une relance prévue depuis le {d} attend son tour derrière les autres niveaux du client (un message par client et "
      "par passage), au plus tard dans un message du {e} : appelez ou écrivez si elle ne peut attendre")),
    (("a reminder due since {d:d} waits its turn behind the customer's other levels (one message per customer and "
      "run): call or write if it cannot wait"),
     ("une relance prévue depuis le {d} attend son tour derrière les autres niveaux du client (un message par client et "
      "par passage) : appelez ou écrivez si elle ne peut attendre")),
    ("{r:r} (since {d:d})", "{r} (depuis le {d})"),
    # reminders/planner.py, reminders/model.py: why a reminder is held back
    ("the customer owes {a:m} in all, at or below the minimum amount {b:m}: not chased",
     "le client doit {a} en tout, au plus le montant minimum de {b} : pas relancé"),
    ("{a:m} left after {p:m} paid, at or below the minimum amount {b:m}: listed for write-off",
     "{a} restent après {p} payés, au plus le montant minimum de {b} : à passer en perte"),
    ("{a:m} owed, at or below the minimum amount {b:m}: not chased",
     "{a} dus, au plus le montant minimum de {b} : pas relancé"),
    ("every level of the policy was sent{r:r}", "tous les niveaux de la politique ont été envoyés{r}"),
    ("every level of the policy was sent", "tous les niveaux de la politique ont été envoyés"),
    ("on hold", "suspendue"),
    (("{l:l} is due, waiting since {d:d}, but the customer gets one message per run, this run's at {w:l}, waiting "
      "{y:r}: {m:l} {t:r} (from {e:d})"),
     ("le niveau {l} est atteint, en attente depuis le {d}, mais le client reçoit un message par passage, celui-ci au niveau {w}, "
      "en attente {y} : {m} {t} (à partir du {e})")),
    ("longer (since {d:d}) and further up the ladder", "depuis plus longtemps (le {d}) et plus haut sur l'échelle"),
    ("longer (since {d:d})", "depuis plus longtemps (le {d})"),
    ("as long (since {d:d}) and further up the ladder", "depuis aussi longtemps (le {d}) et plus haut sur l'échelle"),
    ("as long (since {d:d})", "depuis aussi longtemps (le {d})"),
    ("comes next", "vient ensuite"),
    ("comes after {c:r}", "vient après {c}"),
    ("{l:l}, {m:l}", "{l}, {m}"),
    ("{l:l} from D+{o:n} ({d:d}) for a {f:f} customer, {w:r}", "{l} à partir de J+{o} ({d}) pour un client {f}, {w}"),
    ("{l:l} from {d:d} ({s:r}), {w:r}", "{l} à partir du {d} ({s}), {w}"),
    ("{l:l} waiting for {w:r}", "{l} en attente de {w}"),
    ("{n:n} days after {l:l}, the spacing of its ladder since the customer's profile changed",
     "{n} jours après {l}, l'espacement de son échelle depuis le changement de profil du client"),
    ("{l:l} passed over: {r:r}", "niveau {l} sauté : {r}"),
    ("customer reminded on {d:d}: at least {n:n} days between two reminders (not before {e:d})",
     "client relancé le {d} : au moins {n} jours entre deux relances (pas avant le {e})"),
    ("paused ({p:p}) until {d:d}: {n:x}", "suspendu ({p}) jusqu'au {d} : {n}"),
    ("paused ({p:p}) until {d:d}", "suspendu ({p}) jusqu'au {d}"),
    ("paused ({p:p}): {n:x}", "suspendu ({p}) : {n}"),
    ("paused ({p:p})", "suspendu ({p})"),
    ("{l:l} from D+{o:n} ({d:d}) for a {f:f} customer", "{l} à partir de J+{o} ({d}) pour un client {f}"),
    ("{l:l} from {d:d} ({s:r})", "{l} à partir du {d} ({s})"),
    ("{d:d} is not a business day: nothing is sent on weekends and public holidays",
     "le {d} n'est pas un jour ouvré : rien ne part le samedi, le dimanche ni les jours fériés"),
    ("{x:x} is due in {n:n} days; {l:l} due from D{o:x}", "{x} arrive à échéance dans {n} jours ; {l} dû à J{o}"),
    ("{x:x} is due in 1 day; {l:l} due from D{o:x}", "{x} arrive à échéance demain ; {l} dû à J{o}"),
    ("{x:x} is due today; {l:l} due from D+{o:n}", "{x} arrive à échéance aujourd'hui ; {l} dû à J+{o}"),
    ("{x:x} is {n:n} days overdue; {l:l} due from D+{o:n}", "{x} est échue depuis {n} jours ; {l} dû à J+{o}"),
    ("{x:x} is 1 day overdue; {l:l} due from D+{o:n}", "{x} est échue depuis 1 jour ; {l} dû à J+{o}"),
    ("{r:r} ({l:l} reached, but levels escalate one step at a time)",
     "{r} ({l} atteint, mais les niveaux montent d'un cran à la fois)"),
    ("{l:l} passed over on {d:d}: it reached nobody", "niveau {l} sauté le {d} : il n'a atteint personne"),
    ("{r:r}; {l:l} goes by {c:c}", "{r} ; {l} part par {c}"),
    ("{r:r}; {l:l} is passed over, the invoices go on to {m:l}", "{r} ; niveau {l} sauté, les factures passent au niveau {m}"),
    ("{r:r}; {l:l} is passed over, no level is left", "{r} ; niveau {l} sauté, il ne reste aucun niveau"),
    ("{r:r}: the {c:k} could not be made", "{r} : {c} impossible"),
    ("no phone number for {o:o}", "pas de numéro de téléphone pour {o}"),
    ("no mobile number for {o:o}", "pas de numéro de portable pour {o}"),
    ("no postal address for {o:o}", "pas d'adresse postale pour {o}"),
    ("no email address for {o:o}", "pas d'adresse e-mail pour {o}"),
    ("waiting for the formal notice's deadline ({d:d})", "en attente de l'échéance de la mise en demeure ({d})"),
    ("waiting for the payment plan's acceptance date ({d:d})",
     "en attente de la date d'acceptation de l'échéancier ({d})"),
    ("the formal notice's deadline ({d:d})", "l'échéance de la mise en demeure ({d})"),
    ("the payment plan's acceptance date ({d:d})", "la date d'acceptation de l'échéancier ({d})"),
    # the refusals a decision may get (worker/reconciliation/review*.py, unidentified.py, review_notes.py), shown on
    # the card in one line
    ("name at least one invoice to allocate the payment to",
     "indiquez au moins une facture à laquelle affecter le paiement"),
    ("invoice {x:x} has nothing open to settle", "la facture {x} n'a plus rien à régler"),
    ("say why: a reason is required", "dites pourquoi : un motif est requis"),
    ("say what to check: a note is required", "dites quoi vérifier : une note est requise"),
    ("a note has at most {n:n} characters, this one {m:n}", "une note a au plus {n} caractères, celle-ci {m}"),
    ("no statement line {x:x}", "aucune ligne bancaire {x}"),
    ("no review item {x:x}", "aucun élément de revue {x}"),
    ("no allocation {x:x}", "aucune imputation {x}"),
    ("no customer {x:x}", "aucun client {x}"),
    ("no invoice {x:x}", "aucune facture {x}"),
    ("line {n:x} ({b:x}) is a debit: not a payment received", "la ligne {n} ({b}) est un débit : pas un paiement reçu"),
    ("review item {i:x} has no candidate {c:x} (it has {n:n}, numbered from 0)",
     "l'élément {i} n'a pas de proposition {c} (il en a {n}, numérotées à partir de 0)"),
    ("review item {i:x}: invoice {x:x} no longer exists", "élément {i} : la facture {x} n'existe plus"),
    ("review item {i:x}: candidate {c:x} names no invoice", "élément {i} : la proposition {c} ne cite aucune facture"),
    ("review item {i:x}: its statement line is gone", "élément {i} : sa ligne bancaire a disparu"),
    ("review item {i:x} is at version {a:x}, not {b:x}: reload it",
     "l'élément {i} est à la version {a}, pas {b} : rechargez la page"),
    ("review item {i:x} is {s:s}: only a decided item can be reopened",
     "l'élément {i} est {s} : seul un élément décidé peut être rouvert"),
    ("review item {i:x} is {s:s}: only a pending item can be set aside to check",
     "l'élément {i} est {s} : seul un élément en attente peut être mis de côté"),
    ("review item {i:x} was reopened already, as item {j:x} ({s:s})",
     "l'élément {i} a déjà été rouvert, comme élément {j} ({s})"),
    ("review item {i:x} was already {s:s} by {u:a} at {t:t}", "l'élément {i} a déjà été {s} par {u} le {t}"),
    ("review item {i:x} was already {s:s} at {t:t}", "l'élément {i} a déjà été {s} le {t}"),
    ("review item {i:x} was already {s:s}", "l'élément {i} a déjà été {s}"),
    ("a split needs at least one invoice and amount", "une répartition demande au moins une facture et un montant"),
    ("a split names the same invoice twice", "une répartition cite deux fois la même facture"),
    ("each split line needs an invoice and an amount",
     "chaque ligne de la répartition demande une facture et un montant"),
    ("a {k:w} write-off of {a:m} is above the company's limit of {l:m}",
     "une perte ({k}) de {a} dépasse la limite de la société, {l}"),
    ("the write-off names invoice {x:x}, which is not in the split",
     "la perte cite la facture {x}, absente de la répartition"),
    ("the amounts add up to {t:m}, the payment has {a:m} to allocate: short by {d:m}",
     "les montants font {t}, le paiement a {a} à affecter : il manque {d}"),
    ("the amounts add up to {t:m}, the payment has {a:m} to allocate: over by {d:m}",
     "les montants font {t}, le paiement a {a} à affecter : {d} de trop"),
    ("the payment {b:x} has {a:m} to allocate, not {t:m}", "le paiement {b} a {a} à affecter, pas {t}"),
    ("amount {v:x} is not a number", "le montant {v} n'est pas un nombre"),
    ("amount {v:x} must be more than zero", "le montant {v} doit être supérieur à zéro"),
    ("amount {v:x} has more than two decimals", "le montant {v} a plus de deux décimales"),
    ("{v:x} is not an amount", "{v} n'est pas un montant"),
    ("{x:x} is a credit note: a payment cannot settle it", "{x} est un avoir : un paiement ne peut pas le régler"),
    ("invoice {x:x} is in {c:x}, the payment in {d:x}", "la facture {x} est en {c}, le paiement en {d}"),
    ("allocation {x:x} was already undone by {u:a}", "l'imputation {x} a déjà été annulée par {u}"),
    ("payment {n:x} ({b:x}) is already allocated: undo it with `lettrage matches undo`",
     "le paiement {n} ({b}) est déjà affecté : annulez d'abord son imputation"),
    ("payment {n:x} ({b:x}) awaits review: decide it with `lettrage review`",
     "le paiement {n} ({b}) attend la revue : décidez-le dans la file de revue"),
    ("payment {n:x} ({b:x}) is {s:s}: not a payment to identify",
     "le paiement {n} ({b}) est {s} : pas un paiement à identifier"),
    # generic joints, tried last
    ("{a:r}; {b:r}", "{a} ; {b}"),
    ("{a:r} · {b:r}", "{a} · {b}"),
)

_KINDS = {
    "m": r"-?\d+(?:\.\d+)?", "n": r"-?\d+(?:\.\d+)?", "d": r"\d{4}-\d{2}-\d{2}", "r": r".+?", "x": r".+?",
    "l": r"[a-z_]+", "c": r"[a-z_]+(?:, [a-z_]+)*", "p": r"[a-z_]+", "f": r"[a-z]+(?:\+[a-z]+)*", "b": r"\S+",
    "o": r"[^\s,;:()]+(?:, [^\s,;:()]+)*", "k": r"call task|letter|email|SMS|file", "s": r"[a-z_ ]+?", "w": r"[a-z ]+?",
    "e": r"einvoice_[a-z_]+", "t": r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})?", "a": r"\S+?",
}
_STATES = {"accepted": "accepté", "assigned": "affecté", "rejected": "rejeté", "superseded": "remplacé",  # an item
           "pending": "en attente", "to_check": "à vérifier", "to check": "à vérifier", "matched": "rapproché",
           "review": "en revue", "unmatched": "non rapproché", "debit": "un débit", "new": "nouveau",
           "on_account": "gardé en avoir", "not_customer": "écarté (pas un paiement client)"}
_WRITE_OFF_WORDS = {"payment difference": "écart de règlement", "bank fee": "frais bancaires", "discount": "escompte",
                    "other": "autre"}
_NOUNS = {"call task": "tâche d'appel", "letter": "courrier", "email": "e-mail", "SMS": "SMS", "file": "dossier"}
_PLACE = re.compile(r"\{(\w+):(\w)\}")


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[tuple[str, ...], re.Pattern[str], dict[str, str], str], ...]:
    """Each entry as (its fixed words, its regular expression, the kinds of its parts, its French): the fixed words
    are looked for first, so that a reason costs a few substring tests per entry, not a regular expression each."""
    entries = []
    for english, french in CATALOGUE:
        kinds: dict[str, str] = {}
        pattern, last, fixed = "", 0, []
        for found in _PLACE.finditer(english):
            fixed.append(english[last:found.start()])
            pattern += re.escape(english[last:found.start()])
            name, kind = found.group(1), found.group(2)
            kinds[name] = kind
            pattern += f"(?P<{name}>{_KINDS[kind]})"
            last = found.end()
        fixed.append(english[last:])
        pattern += re.escape(english[last:])
        words = tuple(sorted((f for f in fixed if len(f.strip()) >= 3), key=len, reverse=True))
        entries.append((words, re.compile(pattern, re.DOTALL), kinds, french))
    return tuple(entries)


_ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_DECIMAL = re.compile(r"(?<![\w.])-?\d+\.\d+\b")
_CODE = re.compile(r"\b[a-z]+_[a-z_]+\b")


def _plain(text: str, language: str) -> str:
    """A sentence no entry knows: its dates, numbers and codes written the local way at least."""
    text = _ISO.sub(lambda m: format_day(m.group(0), language), text)
    text = _DECIMAL.sub(lambda m: format_number(m.group(0), language), text)
    return _CODE.sub(lambda m: label("level", m.group(0), language), text)


_timezone: ContextVar[str] = ContextVar("reason_timezone", default="Europe/Paris")


def translate_reason(text: str | None, language: str, currency: str = "EUR",
                     customers: Mapping[str, str] | None = None, timezone: str = "Europe/Paris") -> str:
    """``text`` (a reason as the code writes it) in ``language``: as it is in English, in French by the catalogue.
    ``customers``: names by ref, to show a customer by name and ref; ``timezone``: the company's, for the times
    (the code writes them in UTC)."""
    if not text or language != "fr":
        return text or ""
    named = customers or {}
    if len(named) <= 4:  # a row's or a card's customers: the same sentences come back on every page
        return _cached(text.strip(), currency, tuple(sorted(named.items())), timezone)
    token = _timezone.set(timezone)
    try:
        return _translate(text.strip(), currency, named, 0)
    finally:
        _timezone.reset(token)


@lru_cache(maxsize=8192)
def _cached(text: str, currency: str, customers: tuple[tuple[str, str], ...], timezone: str) -> str:
    token = _timezone.set(timezone)
    try:
        return _translate(text, currency, dict(customers), 0)
    finally:
        _timezone.reset(token)


def _translate(text: str, currency: str, customers: Mapping[str, str], depth: int) -> str:
    if depth > 64:  # a chain of held-back notes joined by « ; » is one level per note
        return _plain(text, "fr")
    for fixed, pattern, kinds, french in _compiled():
        if not all(words in text for words in fixed):
            continue
        found = pattern.fullmatch(text)
        if found is None:
            continue
        parts = {name: _part(kinds[name], value, currency, customers, depth) for name, value in
                 found.groupdict().items()}
        return french.format(**parts)
    return _plain(text, "fr")


def _customer(ref: str, customers: Mapping[str, str]) -> str:
    refs = [r.strip() for r in ref.split(",")]
    return ", ".join(f"{customers[r]} ({r})" if r in customers else r for r in refs)


def _part(kind: str, value: str, currency: str, customers: Mapping[str, str], depth: int) -> str:
    writers: dict[str, Callable[[str], str]] = {
        "m": lambda v: format_money(v, "fr", currency),
        "n": lambda v: format_number(v, "fr"),
        "d": lambda v: format_day(v, "fr"),
        "r": lambda v: _translate(v, currency, customers, depth + 1),
        "l": lambda v: label("level", v, "fr"),
        "c": lambda v: labels("channel", v, "fr"),
        "p": lambda v: label("pause", v, "fr"),
        "e": lambda v: label("pause", v, "fr"),
        "f": lambda v: labels("profile", v, "fr"),
        "b": lambda v: "" if v.startswith("csv:") else f"{v} ",
        "o": lambda v: _customer(v, customers),
        "k": lambda v: _NOUNS.get(v, v),
        "s": lambda v: _STATES.get(v, v.replace("_", " ")),
        "w": lambda v: _WRITE_OFF_WORDS.get(v, v),
        "a": lambda v: format_actor(v, "fr"),
        "t": lambda v: format_moment(v.replace(" ", "T"), "fr", _timezone.get()),
    }
    return writers.get(kind, lambda v: v)(value)

"""The pages in French and in English: the English text is the key, French its translation.

The language is the user's (``User.locale``), else the browser's first choice
(Accept-Language), else French. Amounts and dates are written the local way.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

LANGUAGES = ("fr", "en")
DEFAULT = "fr"

FRENCH: dict[str, str] = {
    "Sign in": "Se connecter",
    "Sign out": "Se déconnecter",
    "Email address": "Adresse e-mail",
    "Password": "Mot de passe",
    "Wrong email address or password.": "Adresse e-mail ou mot de passe incorrect.",
    "Too many failed attempts: wait 15 minutes and try again.":
        "Trop d'essais manqués : attendez 15 minutes avant de réessayer.",
    "The form has expired: please try again.": "Le formulaire a expiré : veuillez réessayer.",
    "These pages need HTTPS: over plain HTTP the browser does not keep the session.":
        "Ces pages demandent HTTPS : en HTTP simple, le navigateur ne garde pas la session.",
    "Companies": "Sociétés",
    "Users": "Utilisateurs",
    "Last sign-in": "Dernière connexion",
    "Remove": "Retirer",
    "Add": "Ajouter",
    "Give someone a role": "Donner un rôle",
    "password, shown once": "mot de passe, affiché une seule fois",
    "You cannot change your own role.": "Vous ne pouvez pas changer votre propre rôle.",
    "Only an administrator manages users.": "Seul un administrateur gère les utilisateurs.",
    "Company": "Société",
    "Role": "Rôle",
    "viewer": "lecteur",
    "accountant": "comptable",
    "admin": "administrateur",
    "You have no company yet: ask an administrator.":
        "Vous n'avez encore accès à aucune société : demandez-le à un administrateur.",
    "Review queue": "File de revue",
    "Invoices": "Factures",
    "Aged balance": "Balance âgée",
    "Reminders": "Relances",
    "Customer": "Client",
    "Payment": "Paiement",
    "Date": "Date",
    "Amount": "Montant",
    "Payer": "Payeur",
    "IBAN": "IBAN",
    "Text": "Libellé",
    "Reference": "Référence",
    "Candidates": "Propositions",
    "Invoice": "Facture",
    "Open": "Reste dû",
    "Paid": "Payé",
    "Allocated": "Affecté",
    "Score": "Score",
    "Reasons": "Raisons",
    "Status": "État",
    "Due on": "Échéance",
    # the review queue's filters and pages (issue 18 item 2b)
    "Payer or text": "Payeur ou libellé",
    "Amount from": "Montant de",
    "Amount up to": "Montant jusqu'à",
    "Kind of match": "Type de rapprochement",
    "Any kind": "Tous",
    "several invoices": "plusieurs factures",
    "invoice named": "facture citée",
    "payer name only": "nom du payeur seul",
    "no candidate": "aucune proposition",
    "Filter the queue": "Filtrer",
    "Clear filters": "Effacer les filtres",
    "Pages of the queue": "Pages de la file",
    "Items {first}–{last} of {total}": "Éléments {first} à {last} sur {total}",
    "previous page": "page précédente",
    "next page": "page suivante",
    "Load the next items": "Charger les éléments suivants",
    "Issued on": "Émise le",
    "Accept": "Accepter",
    "Reject all": "Tout rejeter",
    "Undo last decision": "Annuler la dernière décision",
    "Nothing to review.": "Rien à revoir.",
    "To review": "À revoir",
    "Accepted": "Accepté",
    "Rejected: the payment stays unmatched.": "Rejeté : le paiement reste non lettré.",
    "Superseded: an invoice the payment quotes was imported since, the payment was proposed again.":
        "Remplacé : une facture citée par le paiement a été importée depuis, le paiement a été proposé à nouveau.",
    "Undone": "Annulé",
    "Nothing to undo.": "Rien à annuler.",
    "The page is out of date or the request was refused: reload it.":
        "La page n'est plus à jour ou la demande a été refusée : rechargez-la.",
    "Someone else decided this item meanwhile.": "Quelqu'un d'autre a décidé cet élément entre-temps.",
    "You may read but not decide.": "Vous pouvez consulter mais pas décider.",
    "Keys": "Touches",
    "next": "suivant",
    "previous": "précédent",
    "accept the first candidate": "accepter la première proposition",
    "choose another candidate": "choisir une autre proposition",
    "reject": "rejeter",
    "undo the last decision": "annuler la dernière décision",
    "Search": "Rechercher",
    "number, customer or reference": "numéro, client ou référence",
    "No invoice found.": "Aucune facture trouvée.",
    "Early-payment discount": "Escompte",
    "if paid by": "pour un paiement au plus tard le",
    "Retention money": "Retenue de garantie",
    "released on": "libérée le",
    "open": "ouverte",
    "partially_paid": "partiellement payée",
    "paid": "payée",
    "overpaid": "trop payée",
    "cancelled": "annulée",
    "credit_note": "avoir",
    "History": "Historique",
    "Payments": "Paiements",
    "Reminders sent": "Relances envoyées",
    "Total open": "Total dû",
    "As of": "Au",
    "not_due": "non échu",
    "1-30": "1 à 30 jours",
    "31-60": "31 à 60 jours",
    "61-90": "61 à 90 jours",
    "90+": "plus de 90 jours",
    "Count": "Nombre",
    "Nothing is owed.": "Rien n'est dû.",
    "Reminders awaiting approval": "Relances en attente d'approbation",
    "Level": "Niveau",
    "Channel": "Canal",
    "Amount due": "Montant dû",
    "Held back": "Retenues",
    "Why": "Pourquoi",
    "No reminder is due.": "Aucune relance n'est due.",
    "No reminder is waiting for approval.": "Aucune relance n'attend d'approbation.",
    "Approve": "Approuver",
    "Approved": "Approuvées",
    "Planned": "Prévues",
    "Language": "Langue",
    "Not found.": "Introuvable.",
    "line": "ligne",
    "decided by": "décidé par",
    "Invoice state": "État de la facture",
    # the dashboard and the worklist (issue 8)
    "Dashboard": "Tableau de bord",
    "Last change": "Dernière modification",
    "Figures computed at": "Chiffres calculés le",
    "what changed since appears once they are computed again (within ten minutes or so, or at the next sync).":
        "ce qui a changé depuis apparaîtra quand ils seront recalculés (d'ici une dizaine de minutes, ou à la "
        "prochaine synchronisation).",
    "Open receivables": "Encours clients",
    "Overdue": "Échu",
    "DSO (days)": "DSO (jours)",
    "n/a": "n.d.",
    "Collected this month": "Encaissé ce mois-ci",
    "of which applied to invoices": "dont affecté aux factures",
    "Overdue by bucket": "Échu par ancienneté",
    "Cash-in forecast, 13 weeks": "Prévision d'encaissements, 13 semaines",
    "DSO by month (ratio method, 90 days)": "DSO par mois (méthode du ratio, 90 jours)",
    "Week of": "Semaine du",
    "Expected": "Attendu",
    "Low (P10)": "Bas (P10)",
    "High (P90)": "Haut (P90)",
    "After 13 weeks or never": "Après 13 semaines ou jamais",
    "Forecast error (WAPE, past forecasts)": "Erreur de prévision (WAPE, prévisions passées)",
    "not yet measured": "pas encore mesurée",
    "Worklist": "À faire",
    "Today's actions, most urgent first": "Les actions du jour, les plus urgentes d'abord",
    "Urgency = outstanding × days overdue × risk (payment behaviour, 1 to 6).":
        "Urgence = reste dû × jours de retard × risque (comportement de paiement, de 1 à 6).",
    "Action": "Action",
    "Days overdue": "Jours de retard",
    "Risk": "Risque",
    "Urgency": "Urgence",
    "Call script": "Script d'appel",
    "Nothing to do today.": "Rien à faire aujourd'hui.",
    # the payments customers announced and the plans they asked (worker/web/announcements.py)
    "Payments announced": "Paiements annoncés", "Paid on": "Payé le", "Announced on": "Annoncé le",
    "Held until": "Suspendu jusqu'au", "Proof": "Justificatif", "Received": "Reçu",
    "Invoices settled": "Factures soldées", "Awaited": "Attendu", "Download the proof": "Télécharger le justificatif",
    "No proof": "Sans justificatif", "No payment announced.": "Aucun paiement annoncé.",
    "What the customer said it paid, on its page: the money is looked for in each statement imported.":
        "Ce que le client dit avoir payé, sur sa page : le paiement est recherché dans chaque relevé importé.",
    "Payment announced by the customer, with its proof": "Paiement annoncé par le client, avec son justificatif",
    "Approve the plan": "Accepter l'échéancier", "Refuse the plan": "Refuser l'échéancier",
    "Worklist computed at": "Liste calculée le",
    "what changed since appears once it is computed again (within ten minutes or so, or at the next sync).":
        "ce qui a changé depuis apparaîtra quand elle sera recalculée (d'ici une dizaine de minutes, ou à la "
        "prochaine synchronisation).",
    "Pages": "Pages",
    "Previous": "Précédentes",
    "Next": "Suivantes",
    "call": "Appeler",
    "approve": "Approuver la relance",
    "answer_dispute": "Répondre au litige",
    "follow_promise": "Relancer la promesse de paiement",
    "review": "Revoir le paiement",
    "einvoice": "Statut de facture électronique",
    "identify_payment": "Identifier le paiement",
    "missing_contact": "Compléter les coordonnées",
    "sender_identity": "Compléter l'identité de l'entreprise",
    "bank_data": "Importer les relevés bancaires",
    "claim_retention": "Réclamer la retenue de garantie",
    "declare_claim": "Déclarer la créance au mandataire",
    "discount_credit_note": "Émettre l'avoir de l'escompte",
    "payment_announced": "Vérifier le paiement annoncé",
    "approve_plan": "Décider de l'échéancier demandé",
    "renew_consent": "Renouveler le consentement du flux bancaire",
    "No reminder is sent automatically:": "Aucune relance n'est envoyée automatiquement :",
    "import": "Import",
    "matching": "Rapprochement",
    "sync": "Synchronisation",
    "lines/s": "lignes/s",
    "about": "environ",
    "left": "restantes",
    "channel_failed": "Joindre le client autrement",
    "waiting_turn": "Relancer la facture qui attend son tour",
    "Payments to identify": "Paiements à identifier",
    # the statement-lines page (worker/web/lines.py, lines.html)
    "Bank lines": "Lignes bancaires",
    "Bank line": "Ligne bancaire",
    "Every bank line": "Toutes les lignes bancaires",
    "Open its review item": "Ouvrir dans la file de revue",
    "Identify it": "L'identifier",
    "State": "État",
    "What acts on it": "Action",
    "Account": "Compte",
    "Statement": "Relevé",
    "Booked on": "Date d'opération",
    "Value date": "Date de valeur",
    "End-to-end reference": "Référence de bout en bout",
    "Bank reference": "Référence bancaire",
    "All": "Tous",
    "Direction": "Sens",
    "Money in": "Encaissements",
    "Money out": "Décaissements",
    "From": "Du",
    "To": "Au",
    "to": "à",
    "payer, text or reference": "payeur, libellé ou référence",
    "lines": "lignes",
    "value": "valeur",
    "Pages of the bank lines": "Pages des lignes bancaires",
    "No bank line found.": "Aucune ligne bancaire trouvée.",
    "Pending at the bank, not matched": "En attente à la banque, non rapprochée",
    "Shown by the bank feed, not booked yet: never matched nor exported, replaced at each pull.":
        "Montrées par le flux bancaire, pas encore comptabilisées : jamais rapprochées ni exportées, remplacées à "
        "chaque relevé du flux.",
    "Pages of the pending lines": "Pages des lignes en attente",
    # the CSV profile page (worker/web/csv_profile.py, csv_profile.html, _csv_profile.html)
    "A bank's CSV export": "Export CSV d'une banque",
    "Upload a bank's CSV export: see how it is read, save its profile for the next imports, then import it.":
        "Déposez l'export CSV d'une banque : voyez comment il est lu, enregistrez son profil pour les prochains "
        "imports, puis importez-le.",
    "At most": "Au plus",
    "CSV file": "Fichier CSV",
    "Profile name": "Nom du profil",
    "Bank": "Banque",
    "even if the detector is not sure": "même si la détection n'est pas sûre",
    "Read it": "Le lire",
    "Save the profile": "Enregistrer le profil",
    "Import the file": "Importer le fichier",
    "lines added": "lignes ajoutées",
    "already there": "déjà présentes",
    "matched automatically": "rapprochées automatiquement",
    "to review": "à revoir",
    "Profile saved": "Profil enregistré",
    "The next imports of this bank's exports read them with it.":
        "Les prochains imports des exports de cette banque les liront avec lui.",
    "layout sure": "disposition sûre",
    "layout NOT sure": "disposition PAS sûre",
    "confidence": "confiance",
    "How the file is read": "Comment le fichier est lu",
    "Columns": "Colonnes",
    "Date format": "Format des dates",
    "Amounts": "Montants",
    "one amount column": "une colonne de montant",
    "a debit and a credit column": "une colonne débit et une colonne crédit",
    "decimal": "décimale",
    "thousands": "milliers",
    "File": "Fichier",
    "delimiter": "séparateur",
    "header at line": "en-tête à la ligne",
    "The first rows as read": "Les premières lignes telles que lues",
    "Line": "Ligne",
    "The profile that would be saved": "Le profil qui serait enregistré",
    "Credit": "Crédit",
    "Payer's IBAN": "IBAN du payeur",
    "Currency": "Devise",
    "Read a bank's CSV export": "Lire l'export CSV d'une banque",
    "when the file names none": "si le fichier n'en nomme aucun",
    "Matched": "Rapprochée",
    "In review": "En revue",
    "Payment to identify": "Paiement à identifier",
    "Kept on account": "Gardé en avoir",
    "Debit": "Débit",
    "Unmatched": "Non rapprochée",
    "not recognised": "non reconnu",
    "Proposal": "Proposition",
    "Reminders of this customer held until": "Relances de ce client suspendues jusqu'au",
    "Hold ended on": "Suspension terminée le",
    "Allocate to invoices": "Affecter aux factures",
    "Keep as the customer's credit": "Garder en avoir du client",
    "Refund due": "À rembourser",
    "Reason": "Motif",
    "Not a customer payment": "Pas un paiement client",
    # resolving a review card (worker/web/resolve.py, _resolve.html, _found.html, _history.html)
    "To check later": "À vérifier plus tard",
    "Kept as the customer's credit": "Gardé en avoir du client",
    "Search any open invoice": "Chercher toute facture ouverte",
    "number, customer or amount": "numéro, client ou montant",
    "Other decisions": "Autres décisions",
    "split": "répartir",
    "customer credit": "avoir client",
    "not a customer payment": "pas un paiement client",
    "to check later": "à vérifier plus tard",
    "history": "historique",
    "back to the card": "retour à la fiche",
    "Split across invoices": "Répartir sur des factures",
    "the amounts add up to the payment": "la somme des montants égale le paiement",
    "Write-off": "Passage en perte",
    "rounding / payment difference": "arrondi / écart de règlement",
    "bank fee": "frais bancaires",
    "discount granted": "escompte accordé",
    "other write-off": "autre perte",
    "Write-off amount": "Montant passé en perte",
    "on the last invoice, within the company's limits": "sur la dernière facture, dans les limites de la société",
    "Split": "Répartir",
    "Note": "Note",
    "open invoices found": "factures ouvertes trouvées",
    "the first": "les premières",
    "Allocate": "Imputer",
    "Rejected": "Refusé",
    "Reopened": "Rouvert",
    "Allocation undone: the invoice is open again.": "Imputation annulée : la facture est de nouveau ouverte.",
    "By": "Par",
    "Decision": "Décision",
    "Undo": "Annuler",
    "undone by": "annulé par",
    "No decision yet.": "Aucune décision encore.",
    "Nothing to check.": "Rien à vérifier.",
    "No payment to identify.": "Aucun paiement à identifier.",
    "issued after the payment": "émise après le paiement",
    "The oldest shown here; all of them on the bank lines page:":
        "Les plus anciens sont ici ; tous sont sur la page des lignes bancaires :",
    # helper D: French everywhere (issue 18 item 5; codes, reasons and numbers: worker/web/labels*.py)
    "FA-…=amount": "FA-…=montant",
    # helper E: accessibility
    "Payment of {amount} allocated to {invoices}": "Paiement de {amount} affecté à {invoices}",
    "Payment of {amount} rejected: it stays unmatched": "Paiement de {amount} rejeté : il reste non lettré",
    "Payment of {amount} kept as the credit of customer {customer}":
        "Paiement de {amount} gardé en avoir du client {customer}",
    "Payment of {amount}: not a customer payment": "Paiement de {amount} : pas un paiement client",
    "Payment of {amount} set aside to check later": "Paiement de {amount} mis de côté, à vérifier plus tard",
    "Decision undone: the payment of {amount} is back in the queue":
        "Décision annulée : le paiement de {amount} revient dans la file",
    "Nothing left to review.": "Plus rien à traiter.",
    # helper F: review desk
    "Typed ahead, applied once the decision being saved is done:":
        "Touches tapées d'avance, appliquées une fois la décision en cours enregistrée :",
    "Not applied while a decision is being saved:": "Non appliquées pendant l'enregistrement d'une décision :",
    "Not applied, the decision before them was refused:": "Non appliquées, la décision précédente a été refusée :",
    "Not applied, nothing to decide on the card:": "Non appliquées, rien à décider sur la fiche :",
    "Notes": "Notes",
    "Note on this payment": "Note sur ce paiement",
    "Add the note": "Ajouter la note",
    "Note added.": "Note ajoutée.",
    "No note yet.": "Aucune note pour l'instant.",
    "write something: a note is required": "écrivez quelque chose : la note est vide",
    "Accept the exact matches shown": "Accepter les correspondances exactes affichées",
    "Accept the {count} exact matches shown, {total} in all?":
        "Accepter les {count} correspondances exactes affichées, {total} au total ?",
    "Accept them": "Les accepter",
    "Cancel": "Annuler",
    "invoice named in the payment": "facture citée dans le paiement",
    "paid from the customer's known IBAN": "payé depuis l'IBAN connu du client",
    "No exact match among the items shown.": "Aucune correspondance exacte parmi les paiements affichés.",
    "Exact matches accepted: {count}, {total} in all.": "Correspondances exactes acceptées : {count}, {total} au total.",
    "Left for a look: {count}.": "Laissées pour examen : {count}.",
    "Preview": "Prévisualiser",
    "Nothing is sent or stored: this is the message as it would leave if approved now.":
        "Rien n'est envoyé ni enregistré : voici le message tel qu'il partirait s'il était approuvé maintenant.",
    "Subject": "Objet",
    "The email": "L'e-mail",
    "The email alone": "L'e-mail seul",
    "The letter (PDF)": "Le courrier (PDF)",
    "Text version": "Version texte",
    "Back to the reminders": "Retour aux relances",
    # the bank feeds page (worker/web/bank_feeds.py, bank_feeds.html)
    "Bank feeds": "Flux bancaires",
    "No bank feed configured: its bank lines come from statement files.":
        "Aucun flux bancaire configuré : ses lignes bancaires viennent des relevés.",
    "Provider": "Fournisseur",
    "Consent": "Consentement",
    "ends on": "prend fin le",
    "Last pull": "Dernier relevé du flux",
    "Covered through": "Couvert jusqu'au",
    "Consent ends": "Fin du consentement",
    "no end": "sans fin",
    "Not pulled yet.": "Pas encore relevé.",
    "pulled": "relevé",
    "failed": "échec",
    "consent expired or refused": "consentement expiré ou refusé",
    "active": "actif",
    "waiting for the account holder": "en attente du titulaire du compte",
    "expired": "expiré",
    "revoked": "révoqué",
    "A consent link waits for the account holder": "Un lien de consentement attend le titulaire du compte",
    "consent until": "consentement jusqu'au",
    "The account holder gives the consent at the bank by this link":
        "Le titulaire du compte donne son consentement à la banque par ce lien",
    "Then set requisition_id in the company's [feeds] section to":
        "Puis indiquez dans la section [feeds] de la société requisition_id =",
    "Then give the code the bank sends back to: lettrage feeds authorize --code CODE":
        "Puis donnez le code que la banque renvoie à : lettrage feeds authorize --code CODE",
    "Address the bank sends the account holder back to": "Adresse où la banque renvoie le titulaire du compte",
    "Ask a new consent link": "Demander un nouveau lien de consentement",
    "The consent must be renewed: ask an accountant or an administrator.":
        "Le consentement doit être renouvelé : demandez-le à un comptable ou un administrateur.",
    "Give the address the bank sends back to (https://…).": "Indiquez l'adresse où la banque renvoie (https://…).",
}


def language_of(user_locale: str | None, accept_language: str | None) -> str:
    """The user's language, else the browser's first known one, else French."""
    if user_locale in LANGUAGES:
        return str(user_locale)
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT


def translator(language: str) -> Callable[[str], str]:
    if language == "fr":
        return lambda text: FRENCH.get(text, text)
    return lambda text: text


def format_money(amount: Decimal | str | None, language: str, currency: str = "EUR") -> str:
    """1 234,50 € in French, €1,234.50 in English (other currencies by their code)."""
    if amount is None:
        return ""
    value = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    whole, cents = f"{abs(value):.2f}".split(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    if language == "fr":
        number = "\u202f".join(groups) + "," + cents
        return f"{sign}{number}\u00a0{'€' if currency == 'EUR' else currency}"
    number = ",".join(groups) + "." + cents
    return f"{sign}€{number}" if currency == "EUR" else f"{sign}{number} {currency}"


def format_date(value: date | None, language: str) -> str:
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y") if language == "fr" else value.isoformat()

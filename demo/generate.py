"""`flask demo generate`: many realistic French articles, inserted in bulk.

Text is assembled from phrase banks (per section theme, plus common ones), so it reads
like news copy, varies from article to article and gives search something to find.
Rows go in with Core executemany, one transaction per batch, and each batch is
indexed for search in that same transaction: 100,000 articles take minutes, not hours.
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, insert, select

from models import db
from models.content import Article, ArticleStatus, Block, BlockKind, Section
from models.slugs import slugify, unique_slug
from models.time import utcnow
from models.user import Role, User
from services import search
from services.richtext import clean_html

BATCH_SIZE = 2000
YEARS_OF_ARCHIVE = 8

AUTHORS = [
    ("Camille Lefèvre", "Journaliste au service International, spécialiste de l’Asie de l’Est."),
    ("Thomas Girard", "Chef du service Politique, il suit l’Élysée et le Parlement depuis 2015."),
    ("Inès Benali", "Reporter au service France, elle couvre la justice et les faits de société."),
    ("Mathieu Rousseau", "Journaliste économique, spécialiste de l’énergie et de l’industrie."),
    ("Léa Fontaine", "Critique et reporter culture : cinéma, théâtre et musiques actuelles."),
    ("Hugo Marchetti", "Journaliste scientifique, il écrit sur le climat et l’espace."),
    ("Sophie Delaunay", "Correspondante à Bruxelles, elle suit les institutions européennes."),
    ("Karim Haddad", "Grand reporter, il a couvert le Proche-Orient et l’Afrique du Nord."),
    ("Élodie Perrin", "Journaliste au service Économie : emploi, consommation et budget."),
    ("Nicolas Chevalier", "Reporter au service France, spécialiste de l’éducation."),
    ("Aurélie Moreau", "Cheffe d’édition du week-end et autrice de portraits."),
    ("Julien Lemaire", "Journaliste data : chiffres, cartes et enquêtes au long cours."),
]

# Each theme: who acts, what about, where. Keyed by the top-level section's slug.
THEMES = {
    "international": {
        "subjects": [
            "le président américain",
            "le chancelier allemand",
            "la diplomatie chinoise",
            "le Kremlin",
            "le secrétaire général de l’ONU",
            "le gouvernement japonais",
            "la Commission européenne",
            "le Premier ministre britannique",
            "les dirigeants du G7",
            "le ministre des Affaires étrangères",
            "l’opposition vénézuélienne",
            "le dirigeant nord-coréen",
        ],
        "objects": [
            "un accord de coopération militaire",
            "de nouvelles sanctions économiques",
            "un cessez-le-feu fragile",
            "la reprise des négociations",
            "un sommet régional",
            "l’aide humanitaire aux populations déplacées",
            "un traité de libre-échange",
            "la sécurité des routes maritimes",
            "le soutien à l’Ukraine",
            "l’élargissement de l’Union européenne",
            "les droits de douane sur l’acier",
        ],
        "places": [
            "à Bruxelles",
            "à Washington",
            "à Pékin",
            "à Moscou",
            "à Pyongyang",
            "à Kiev",
            "à Berlin",
            "à Tokyo",
            "à Genève",
            "à New Delhi",
            "à Nairobi",
            "à Brasilia",
        ],
        "headings": [
            "Une réponse diplomatique attendue",
            "Les alliés divisés",
            "Un équilibre régional fragile",
            "La pression internationale s’accentue",
        ],
    },
    "france": {
        "subjects": [
            "le gouvernement",
            "la Première ministre",
            "les syndicats",
            "le Sénat",
            "l’Assemblée nationale",
            "le maire de Lyon",
            "la préfecture de police",
            "le ministre de l’Éducation",
            "les élus locaux",
            "le Conseil constitutionnel",
            "les associations de parents",
            "la maire de Marseille",
        ],
        "objects": [
            "la réforme des retraites",
            "le projet de loi sur l’immigration",
            "la rénovation des lycées",
            "le budget de la sécurité sociale",
            "la hausse des loyers",
            "le plan pour l’hôpital public",
            "la réforme du bac",
            "la sécurité dans les transports",
            "l’accès aux soins en zone rurale",
            "la réduction des déchets",
            "les violences faites aux femmes",
        ],
        "places": [
            "à Paris",
            "à Lyon",
            "à Marseille",
            "à Lille",
            "à Bordeaux",
            "à Toulouse",
            "à Nantes",
            "à Strasbourg",
            "en Bretagne",
            "en Occitanie",
            "en Normandie",
        ],
        "headings": [
            "Un texte très attendu",
            "La colère des élus locaux",
            "Ce qui change au quotidien",
            "Un calendrier serré",
        ],
    },
    "economie": {
        "subjects": [
            "la Banque centrale européenne",
            "le ministre de l’Économie",
            "les constructeurs",
            "le patronat",
            "les agriculteurs",
            "les banques françaises",
            "l’Insee",
            "les petites entreprises",
            "le géant de l’énergie",
            "les investisseurs",
        ],
        "objects": [
            "la hausse des taux d’intérêt",
            "un plan d’économies",
            "le prix de l’électricité",
            "la réindustrialisation",
            "le pouvoir d’achat des ménages",
            "la dette publique",
            "les prévisions de croissance",
            "la transition énergétique",
            "le marché de l’immobilier",
            "les exportations de vin",
            "le chômage des jeunes",
        ],
        "places": [
            "à Francfort",
            "à la Bourse de Paris",
            "dans le Nord",
            "en Lorraine",
            "à Bercy",
            "dans la zone euro",
            "sur les marchés asiatiques",
        ],
        "headings": [
            "Des chiffres en trompe-l’œil",
            "Les entreprises inquiètes",
            "Un marché sous tension",
            "Ce que disent les économistes",
        ],
    },
    "culture": {
        "subjects": [
            "le Festival de Cannes",
            "la réalisatrice",
            "le musée du Louvre",
            "l’Opéra de Paris",
            "le jury du prix Goncourt",
            "le chanteur",
            "la romancière",
            "les théâtres parisiens",
            "la Comédie-Française",
            "le metteur en scène",
        ],
        "objects": [
            "une rétrospective très attendue",
            "un premier roman remarqué",
            "la restauration d’un chef-d’œuvre",
            "une nouvelle saison de spectacles",
            "un film d’animation ambitieux",
            "l’avenir du cinéma indépendant",
            "une exposition consacrée à Matisse",
            "un album enregistré en public",
            "la place des femmes dans la musique",
            "le prix unique du livre",
        ],
        "places": [
            "à Avignon",
            "à Cannes",
            "à Angoulême",
            "au Grand Palais",
            "à Arles",
            "au Centre Pompidou",
            "à la Philharmonie",
        ],
        "headings": [
            "Un accueil enthousiaste",
            "Une œuvre de la maturité",
            "Le public au rendez-vous",
            "Une programmation audacieuse",
        ],
    },
    "sciences": {
        "subjects": [
            "les chercheurs du CNRS",
            "l’Agence spatiale européenne",
            "une équipe de l’Inserm",
            "les climatologues",
            "les astronomes",
            "l’Institut Pasteur",
            "les biologistes",
            "le Giec",
            "les océanographes",
            "une start-up grenobloise",
        ],
        "objects": [
            "un nouveau vaccin contre le paludisme",
            "la fonte des glaciers alpins",
            "une exoplanète potentiellement habitable",
            "les effets des microplastiques",
            "la fusion nucléaire",
            "le séquençage du génome",
            "une sonde vers Jupiter",
            "l’intelligence artificielle en médecine",
            "la biodiversité des forêts",
            "le réchauffement des océans",
            "les vagues de chaleur",
        ],
        "places": [
            "en Antarctique",
            "à Kourou",
            "au CERN",
            "à Grenoble",
            "à Toulouse",
            "dans l’Arctique",
            "en Guyane",
        ],
        "headings": [
            "Une découverte inattendue",
            "Des résultats encore préliminaires",
            "La prudence des scientifiques",
            "Ce que change cette étude",
        ],
    },
}
GENERAL_THEME = {
    key: [item for theme in THEMES.values() for item in theme[key]] for key in THEMES["france"]
}

# (singular, plural): "le Sénat conteste", "les syndicats contestent".
VERBS = [
    ("a annoncé", "ont annoncé"),
    ("défend", "défendent"),
    ("critique", "critiquent"),
    ("a présenté", "ont présenté"),
    ("met en cause", "mettent en cause"),
    ("a dévoilé", "ont dévoilé"),
    ("salue", "saluent"),
    ("remet en question", "remettent en question"),
    ("soutient", "soutiennent"),
    ("prépare", "préparent"),
    ("a confirmé", "ont confirmé"),
    ("conteste", "contestent"),
    ("veut accélérer", "veulent accélérer"),
    ("a validé", "ont validé"),
    ("suspend", "suspendent"),
    ("relance", "relancent"),
    ("a reporté", "ont reporté"),
]
HEADLINE_VERBS = [
    ("dévoile", "dévoilent"),
    ("défend", "défendent"),
    ("critique", "critiquent"),
    ("relance", "relancent"),
    ("suspend", "suspendent"),
    ("salue", "saluent"),
    ("conteste", "contestent"),
    ("annonce", "annoncent"),
    ("prépare", "préparent"),
    ("reporte", "reportent"),
    ("accélère", "accélèrent"),
    ("valide", "valident"),
]
COMPLEMENTS = [
    "lors d’un sommet",
    "malgré l’opposition des élus",
    "d’ici à la fin de l’année",
    "face à la pression de l’opinion",
    "après des semaines de tractations",
    "dans un contexte tendu",
    "sans attendre le vote du Parlement",
    "au terme d’une longue négociation",
    "pour la première fois depuis dix ans",
    "sous le regard attentif des observateurs",
    "à la surprise générale",
    "selon des sources concordantes",
    "devant une salle comble",
]
OPENERS = [
    "",
    "",
    "",
    "Selon nos informations, ",
    "Dans le même temps, ",
    "Pour autant, ",
    "Mercredi, ",
    "Quelques jours plus tard, ",
    "De son côté, ",
    "En coulisses, ",
    "Sans surprise, ",
    "À l’inverse, ",
]
CLOSERS = [
    "Le dossier reste sensible.",
    "Les discussions doivent reprendre la semaine prochaine.",
    "Plusieurs questions restent sans réponse.",
    "Le calendrier n’a pas été précisé.",
    "Les premiers effets sont attendus au printemps.",
    "L’annonce a été diversement accueillie.",
    "Aucune décision définitive n’a encore été prise.",
    "Le sujet divise jusque dans la majorité.",
]
SPEAKERS = [
    "Marie Dubois, porte-parole du ministère",
    "Jean-Pierre Laurent, économiste",
    "Nathalie Roux, députée",
    "Olivier Blanc, syndicaliste",
    "Amélie Faure, chercheuse",
    "François Garnier, maire",
    "Yasmine Cherif, avocate",
    "Pierre Mercier, ambassadeur",
    "Claire Vidal, directrice de recherche",
    "Antoine Roche, chef d’entreprise",
]
QUOTE_OPENINGS = [
    "Nous ne pouvons plus attendre sur",
    "Il faut regarder en face",
    "Personne ne conteste",
    "Nous resterons vigilants sur",
    "C’est une étape décisive pour",
    "Nous avons été entendus sur",
    "Il serait irresponsable d’ignorer",
]
LIST_INTROS = [
    "Les principaux points du texte :",
    "Ce qu’il faut retenir :",
    "Les mesures annoncées :",
    "Les chiffres clés :",
]


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _conjugated(verb: tuple[str, str], subject: str) -> str:
    return verb[1] if subject.startswith(("les ", "des ")) else verb[0]


class ArticleWriter:
    """Writes one article's text from the banks; `rng` makes a run reproducible with --seed."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def sentence(self, theme: dict) -> str:
        choice = self.rng.choice
        opener = choice(OPENERS)
        subject = choice(theme["subjects"])
        clause = f"{subject} {_conjugated(choice(VERBS), subject)} {choice(theme['objects'])}"
        if self.rng.random() < 0.5:
            clause += f" {choice(theme['places'])}"
        clause += f" {choice(COMPLEMENTS)}"
        return _capitalised(opener + clause) + "."

    def paragraph(self, theme: dict) -> str:
        sentences = [self.sentence(theme) for _ in range(self.rng.randint(2, 4))]
        if self.rng.random() < 0.3:
            sentences.append(self.rng.choice(CLOSERS))
        return " ".join(sentences)

    def headline(self, theme: dict) -> str:
        choice = self.rng.choice
        subject = choice(theme["subjects"])
        verb = _conjugated(choice(HEADLINE_VERBS), subject)
        headline = f"{subject} {verb} {choice(theme['objects'])}"
        if self.rng.random() < 0.4:
            headline += f" {choice(theme['places'])}"
        return _capitalised(headline)

    def blocks(self, theme: dict) -> list[tuple[str, dict, str]]:
        """(kind, data, plain text) for 5 to 30 blocks: mostly paragraphs, some furniture."""
        rng, blocks = self.rng, []
        count = rng.randint(5, 30)
        while len(blocks) < count:
            roll = rng.random()
            previous = blocks[-1][0] if blocks else None
            if blocks and previous == BlockKind.PARAGRAPH and roll < 0.15:
                text = rng.choice(theme["headings"])
                blocks.append((BlockKind.HEADING, {"text": text, "level": 2}, text))
            elif blocks and roll < 0.22:
                words = f"{rng.choice(QUOTE_OPENINGS)} {rng.choice(theme['objects'])}."
                speaker = rng.choice(SPEAKERS)
                data = {"text": words, "attribution": speaker}
                blocks.append((BlockKind.QUOTE, data, f"{words} {speaker}"))
            elif blocks and previous == BlockKind.PARAGRAPH and roll < 0.26:
                intro = rng.choice(LIST_INTROS)
                blocks.append((BlockKind.PARAGRAPH, {"html": html.escape(intro)}, intro))
                items = [_capitalised(o) for o in rng.sample(theme["objects"], rng.randint(3, 5))]
                data = {"items": [html.escape(i) for i in items], "ordered": False}
                blocks.append((BlockKind.LIST, data, " ".join(items)))
            else:
                text = self.paragraph(theme)
                # Bank text has no markup; escaping it is exactly what clean_html() would
                # return (tests check this), at a fraction of bleach's cost per paragraph.
                blocks.append((BlockKind.PARAGRAPH, {"html": html.escape(text, quote=False)}, text))
        return blocks[:count]


@dataclass
class Newsroom:
    """Where generated articles go: every section (with its theme) and the authors."""

    sections: list[tuple[int, dict]] = field(default_factory=list)
    author_ids: list[int] = field(default_factory=list)


def prepare_newsroom() -> Newsroom:
    """The generated authors (created once, reused on later runs) and every section."""
    authors = []
    for name, bio in AUTHORS:
        slug = slugify(name)
        email = f"{slug.replace('-', '.')}@gazette.example"
        author = db.session.scalar(select(User).filter_by(email=email))
        if author is None:
            author = User(
                email=email,
                display_name=name,
                slug=unique_slug(
                    slug, lambda s: db.session.scalar(select(User.id).filter_by(slug=s)) is not None
                ),
                role=Role.AUTHOR,
                bio_html=clean_html(bio, "paragraph").html,
            )
            db.session.add(author)
        authors.append(author)
    db.session.commit()
    sections = [
        (section.id, THEMES.get(section.trail[0].slug, GENERAL_THEME))
        for section in db.session.scalars(select(Section).order_by(Section.id))
    ]
    return Newsroom(sections=sections, author_ids=[a.id for a in authors])


def generate_articles(count: int, seed: int | None = None, progress=None) -> int:
    """Add `count` published articles; `progress(n)` is called after each batch of n."""
    newsroom = prepare_newsroom()
    if not newsroom.sections:
        raise ValueError("aucune rubrique : lancez d’abord `flask --app app demo load`.")
    writer = ArticleWriter(random.Random(seed))
    serial = (db.session.scalar(select(func.max(Article.id))) or 0) + 1
    db.session.rollback()  # end the read; batches use their own connections and transactions
    done = 0
    while done < count:
        size = min(BATCH_SIZE, count - done)
        with db.engine.begin() as connection:
            _insert_batch(connection, writer, newsroom, serial, size)
        serial += size
        done += size
        if progress:
            progress(size)
    return done


def _insert_batch(connection, writer: ArticleWriter, newsroom: Newsroom, serial: int, size: int):
    rng, now = writer.rng, utcnow()
    archive_seconds = int(timedelta(days=365 * YEARS_OF_ARCHIVE).total_seconds())
    articles, bodies = [], []
    for n in range(serial, serial + size):
        section_id, theme = rng.choice(newsroom.sections)
        headline = writer.headline(theme)
        published_at = now - timedelta(seconds=rng.randint(3600, archive_seconds))
        updated = rng.random() < 0.2
        articles.append(
            {
                # The serial keeps slugs unique across runs; collisions are still checked.
                "slug": f"{slugify(headline, 70)}-{n}",
                "section_id": section_id,
                "author_id": rng.choice(newsroom.author_ids),
                "headline": headline,
                "standfirst": writer.paragraph(theme).split(". ")[0].rstrip(".") + ".",
                "status": ArticleStatus.PUBLISHED.value,
                "published_at": published_at,
                "updated_at": published_at + timedelta(hours=rng.randint(1, 48))
                if updated
                else None,
                "created_at": published_at,
                "version": 1,
            }
        )
        bodies.append(writer.blocks(theme))
    _avoid_taken_slugs(connection, articles)

    table = Article.__table__
    ids = connection.scalars(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), articles
    ).all()
    connection.execute(
        insert(Block.__table__),
        [
            {
                "article_id": article_id,
                "position": position,
                "kind": kind,
                "data": data,
                "version": 1,
            }
            for article_id, blocks in zip(ids, bodies, strict=True)
            for position, (kind, data, _text) in enumerate(blocks)
        ],
    )
    search.store_documents(
        connection,
        [
            search.Document(
                article_id, row["headline"], row["standfirst"], "\n".join(t for *_, t in blocks)
            )
            for article_id, row, blocks in zip(ids, articles, bodies, strict=True)
        ],
    )


def _avoid_taken_slugs(connection, articles: list[dict]) -> None:
    """A slug someone already uses (by chance or by hand) gets a further suffix."""
    slugs = Article.__table__.c.slug
    taken = set(connection.scalars(select(slugs).where(slugs.in_([a["slug"] for a in articles]))))
    for article in articles:
        if article["slug"] in taken:
            article["slug"] = unique_slug(
                article["slug"],
                lambda s: (
                    s in taken or connection.scalar(select(slugs).where(slugs == s)) is not None
                ),
            )
            taken.add(article["slug"])

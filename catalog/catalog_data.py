"""The catalog the product starts with: categories and services with their aliases.

Staff edit it in the admin afterwards; the seed only adds what is missing.
"""

# slug, name, subtitle, icon name, is_kids
CATEGORIES = [
    ("music", "Music", "Piano, guitar, voice, violin and more", "music", False),
    ("languages", "Languages", "Speak with confidence, online or in person", "languages", False),
    ("academic-tutoring", "Academic tutoring", "Math, science, writing and test prep", "book", False),
    ("sports-fitness", "Sports and fitness", "Coaching for every level", "dumbbell", False),
    ("arts", "Arts", "Drawing, painting, photography and crafts", "palette", False),
    ("dance", "Dance", "Ballet, salsa, hip hop and more", "dance", False),
    ("technology", "Technology", "Coding, design and digital skills", "laptop", False),
    ("kids", "Kids", "Instructors who teach children", "child", True),
    ("life-skills", "Life skills", "Cooking, chess, public speaking and more", "sparkles", False),
]

# category slug -> [(service name, aliases, description)]
SERVICES = {
    "music": [
        (
            "Piano",
            ["pianno", "keyboard", "keys"],
            "Reading music, technique and pieces you love, from first notes to advanced repertoire.",
        ),
        (
            "Guitar",
            ["acoustic guitar", "electric guitar", "guitr"],
            "Chords, strumming, fingerstyle and lead playing on acoustic or electric guitar.",
        ),
        (
            "Voice",
            ["singing", "vocal", "vocals"],
            "Breathing, pitch, range and confidence for singing any style, from musical theatre to pop.",
        ),
        ("Violin", ["fiddle", "violn"], "Posture, bowing and intonation, with classical and fiddle repertoire."),
        ("Cello", ["chello"], "Bow control, tone and shifting, from beginner pieces to orchestral parts."),
        ("Drums", ["percussion", "drum kit"], "Grooves, fills, rudiments and reading, on a full kit or practice pad."),
        (
            "Bass guitar",
            ["bass", "electric bass"],
            "Locking in with the drums: grooves, scales and walking bass lines.",
        ),
        ("Ukulele", ["uke"], "A friendly first instrument: chords and strumming to play songs within weeks."),
        ("Saxophone", ["sax"], "Tone, breathing and improvisation on alto, tenor or soprano sax."),
        ("Flute", [], "Embouchure, breath support and repertoire from classical to jazz."),
        ("Trumpet", [], "Range, endurance and clean articulation for band, orchestra or jazz."),
        (
            "Music theory",
            ["ear training", "solfege"],
            "Scales, harmony, rhythm and ear training that make playing and writing easier.",
        ),
        ("Songwriting", ["composition"], "Melody, lyrics and song structure, turning your ideas into finished songs."),
    ],
    "languages": [
        (
            "Spanish",
            ["espanol", "español"],
            "Conversation, grammar and listening for travel, work or heritage speakers.",
        ),
        (
            "French",
            ["francais", "français"],
            "Speaking and understanding everyday French, with grammar when you need it.",
        ),
        ("Italian", [], "Conversational Italian for travel, family or the love of the language."),
        ("German", ["deutsch"], "From first phrases to fluent conversation, with clear grammar explanations."),
        ("Mandarin Chinese", ["chinese", "mandarin"], "Tones, pronunciation, characters and conversation in Mandarin."),
        ("Japanese", [], "Hiragana, katakana, kanji and natural conversation in Japanese."),
        ("Korean", [], "Hangul, pronunciation and everyday conversation in Korean."),
        ("Portuguese", ["brazilian portuguese"], "Brazilian or European Portuguese for conversation, travel and work."),
        (
            "English as a second language",
            ["esl", "english"],
            "Speaking, listening, reading and writing English for daily life, study or work.",
        ),
        (
            "American Sign Language",
            ["asl", "sign language"],
            "Signing, fingerspelling and Deaf culture, for beginners and families.",
        ),
        ("Arabic", [], "Modern Standard Arabic or a spoken dialect: script, pronunciation and conversation."),
    ],
    "academic-tutoring": [
        (
            "Math",
            ["maths", "algebra", "geometry"],
            "Arithmetic, pre-algebra, algebra and geometry explained step by step.",
        ),
        ("Calculus", ["calc"], "Limits, derivatives and integrals for high school, AP and college courses."),
        ("Chemistry", ["chem"], "Reactions, stoichiometry and lab concepts for school and exams."),
        ("Physics", [], "Mechanics, electricity and waves, with problem-solving practice."),
        ("Biology", ["bio"], "Cells, genetics, ecology and the human body, for coursework and exams."),
        (
            "Essay writing",
            ["writing", "english composition"],
            "Planning, drafting and revising clear essays for school and applications.",
        ),
        ("Reading", ["phonics", "literacy"], "Phonics, fluency and comprehension for early and struggling readers."),
        ("SAT prep", ["sat", "test prep"], "Strategy and practice for the SAT's reading, writing and math sections."),
        ("ACT prep", ["act"], "Timed practice and strategy for every section of the ACT."),
        ("History", [], "US and world history, essay skills and exam preparation."),
    ],
    "sports-fitness": [
        ("Tennis", [], "Strokes, footwork and match play on the court, for every level."),
        (
            "Swimming",
            ["swim", "swim coach"],
            "Water confidence, strokes and breathing, from first lessons to lap swimming.",
        ),
        ("Yoga", [], "Poses, breathing and flexibility, adapted to your body and goals."),
        (
            "Personal training",
            ["fitness", "personal trainer", "strength training"],
            "Strength, conditioning and mobility with a plan built for you.",
        ),
        ("Boxing", [], "Stance, footwork and combinations for fitness or the ring."),
        ("Golf", [], "Swing, short game and course management to lower your score."),
        ("Soccer", ["football"], "Ball control, passing and shooting, with drills for players of every age."),
        ("Basketball", [], "Shooting, dribbling and game sense, one on one or in small groups."),
        (
            "Martial arts",
            ["karate", "taekwondo", "jiu jitsu"],
            "Karate, taekwondo or jiu jitsu: technique, discipline and self-defence.",
        ),
        ("Pilates", [], "Core strength, posture and control, on the mat or with small equipment."),
        ("Running", ["running coach"], "Form, pacing and training plans, from a first 5K to a marathon."),
    ],
    "arts": [
        ("Drawing", ["sketching"], "Line, shading, perspective and observation, with pencil, charcoal or ink."),
        (
            "Painting",
            ["watercolor", "oil painting", "acrylic"],
            "Colour, composition and technique in watercolour, acrylic or oil.",
        ),
        ("Photography", ["photo"], "Your camera's settings, light and composition, and editing your photos."),
        ("Pottery", ["ceramics", "wheel throwing"], "Hand-building and wheel throwing, from centring clay to glazing."),
        ("Acting", ["drama", "theater"], "Scene work, monologues and auditions for stage and screen."),
        ("Knitting", ["crochet"], "Casting on, stitches and patterns for knitting and crochet projects."),
    ],
    "dance": [
        ("Ballet", [], "Barre, centre work and classical technique with careful alignment."),
        ("Salsa", ["latin dance"], "Timing, basic steps, turns and partner work for the dance floor."),
        (
            "Hip hop dance",
            ["hip hop", "street dance"],
            "Grooves, footwork and choreography in hip hop and street styles.",
        ),
        (
            "Ballroom",
            ["waltz", "tango"],
            "Waltz, foxtrot, tango and more, for weddings, social dancing or competition.",
        ),
        ("Tap dance", ["tap"], "Rhythm, clarity and classic steps in tap shoes."),
        ("Contemporary dance", ["modern dance"], "Floor work, release technique and expressive movement."),
    ],
    "technology": [
        (
            "Python programming",
            ["python", "coding", "programming"],
            "Programming from scratch in Python: logic, data and small projects.",
        ),
        (
            "Web development",
            ["html", "css", "javascript"],
            "HTML, CSS and JavaScript to build and publish your own websites.",
        ),
        ("Scratch for beginners", ["scratch"], "Block-based coding for young learners: games, stories and animations."),
        ("Excel", ["spreadsheets"], "Formulas, tables, charts and pivot tables for work and personal projects."),
        (
            "Graphic design",
            ["photoshop", "illustrator"],
            "Layout, typography and colour with Photoshop, Illustrator or free tools.",
        ),
        (
            "Video editing",
            ["premiere", "final cut"],
            "Cutting, sound and colour in Premiere, Final Cut or DaVinci Resolve.",
        ),
    ],
    "life-skills": [
        ("Chess", [], "Openings, tactics and endgames, from learning the moves to tournament play."),
        ("Cooking", ["cooking class"], "Knife skills, techniques and recipes you will cook again and again."),
        ("Public speaking", ["speech"], "Structure, delivery and confidence for talks, toasts and presentations."),
        ("Baking", ["pastry"], "Breads, pastry and cakes, with the why behind every step."),
    ],
}

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

# category slug -> [(service name, aliases)]
SERVICES = {
    "music": [
        ("Piano", ["pianno", "keyboard", "keys"]),
        ("Guitar", ["acoustic guitar", "electric guitar", "guitr"]),
        ("Voice", ["singing", "vocal", "vocals"]),
        ("Violin", ["fiddle", "violn"]),
        ("Cello", ["chello"]),
        ("Drums", ["percussion", "drum kit"]),
        ("Bass guitar", ["bass", "electric bass"]),
        ("Ukulele", ["uke"]),
        ("Saxophone", ["sax"]),
        ("Flute", []),
        ("Trumpet", []),
        ("Music theory", ["ear training", "solfege"]),
        ("Songwriting", ["composition"]),
    ],
    "languages": [
        ("Spanish", ["espanol", "español"]),
        ("French", ["francais", "français"]),
        ("Italian", []),
        ("German", ["deutsch"]),
        ("Mandarin Chinese", ["chinese", "mandarin"]),
        ("Japanese", []),
        ("Korean", []),
        ("Portuguese", ["brazilian portuguese"]),
        ("English as a second language", ["esl", "english"]),
        ("American Sign Language", ["asl", "sign language"]),
        ("Arabic", []),
    ],
    "academic-tutoring": [
        ("Math", ["maths", "algebra", "geometry"]),
        ("Calculus", ["calc"]),
        ("Chemistry", ["chem"]),
        ("Physics", []),
        ("Biology", ["bio"]),
        ("Essay writing", ["writing", "english composition"]),
        ("Reading", ["phonics", "literacy"]),
        ("SAT prep", ["sat", "test prep"]),
        ("ACT prep", ["act"]),
        ("History", []),
    ],
    "sports-fitness": [
        ("Tennis", []),
        ("Swimming", ["swim", "swim coach"]),
        ("Yoga", []),
        ("Personal training", ["fitness", "personal trainer", "strength training"]),
        ("Boxing", []),
        ("Golf", []),
        ("Soccer", ["football"]),
        ("Basketball", []),
        ("Martial arts", ["karate", "taekwondo", "jiu jitsu"]),
        ("Pilates", []),
        ("Running", ["running coach"]),
    ],
    "arts": [
        ("Drawing", ["sketching"]),
        ("Painting", ["watercolor", "oil painting", "acrylic"]),
        ("Photography", ["photo"]),
        ("Pottery", ["ceramics", "wheel throwing"]),
        ("Acting", ["drama", "theater"]),
        ("Knitting", ["crochet"]),
    ],
    "dance": [
        ("Ballet", []),
        ("Salsa", ["latin dance"]),
        ("Hip hop dance", ["hip hop", "street dance"]),
        ("Ballroom", ["waltz", "tango"]),
        ("Tap dance", ["tap"]),
        ("Contemporary dance", ["modern dance"]),
    ],
    "technology": [
        ("Python programming", ["python", "coding", "programming"]),
        ("Web development", ["html", "css", "javascript"]),
        ("Scratch for beginners", ["scratch"]),
        ("Excel", ["spreadsheets"]),
        ("Graphic design", ["photoshop", "illustrator"]),
        ("Video editing", ["premiere", "final cut"]),
    ],
    "life-skills": [
        ("Chess", []),
        ("Cooking", ["cooking class"]),
        ("Public speaking", ["speech"]),
        ("Baking", ["pastry"]),
    ],
}

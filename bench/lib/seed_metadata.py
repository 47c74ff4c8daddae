#!/usr/bin/env python3
"""Fill a registry database with COLLECTIONS collections, each with one container holding IMAGES_PER images
(tagged v0..vN, amd64), owned by the user 'bench', straight into SQLite. Run while the server is stopped.

Usage: seed_metadata.py DB COLLECTIONS IMAGES_PER
"""
import hashlib, sqlite3, sys

db, collections, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
con = sqlite3.connect(db)
owner, stamp = con.execute("SELECT Id, CreatedAt FROM Users WHERE Username = 'bench'").fetchone()
start = con.execute("SELECT COUNT(*) FROM Collections WHERE Name LIKE 'meta-%'").fetchone()[0]
rows_c, rows_k, rows_i, rows_t = [], [], [], []
for n in range(start, start + collections):
    cid, kid = f"mc{n:07d}", f"mk{n:07d}"
    rows_c.append((cid, f"meta-{n:07d}", f"seeded collection {n}", 0, owner, stamp, stamp))
    rows_k.append((kid, cid, "tool", "", 0, 0, stamp, stamp))
    for v in range(per):
        iid = f"mi{n:07d}{v:03d}"
        digest = hashlib.sha256(iid.encode()).hexdigest()
        rows_i.append((iid, kid, f"sha256.{digest}", 1024, "amd64", "", 1, 0, "", 0, owner, stamp, stamp))
        rows_t.append((kid, "amd64", f"v{v}", iid, stamp))
with con:
    con.executemany("INSERT INTO Collections (Id, Name, Description, IsPrivate, OwnerId, CreatedAt, UpdatedAt) VALUES (?,?,?,?,?,?,?)", rows_c)
    con.executemany("INSERT INTO Containers (Id, CollectionId, Name, Description, IsReadOnly, DownloadCount, CreatedAt, UpdatedAt) VALUES (?,?,?,?,?,?,?,?)", rows_k)
    con.executemany("INSERT INTO Images (Id, ContainerId, Hash, Size, Arch, Description, IsUploaded, IsSigned, SignerFingerprints, DownloadCount, CreatedById, CreatedAt, UpdatedAt) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows_i)
    con.executemany("INSERT INTO Tags (ContainerId, Arch, Name, ImageId, UpdatedAt) VALUES (?,?,?,?,?)", rows_t)
con.execute("ANALYZE")
print(f"seeded {collections} collections, {collections * per} images")

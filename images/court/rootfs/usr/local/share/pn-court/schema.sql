-- Schema of the demo court site (a small PHP CMS).
CREATE TABLE settings (
  name VARCHAR(64) PRIMARY KEY,
  value TEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE news (
  id INT AUTO_INCREMENT PRIMARY KEY,
  title VARCHAR(255) NOT NULL,
  body TEXT NOT NULL,
  published_at DATETIME NOT NULL,
  KEY published_at (published_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE documents (
  id INT AUTO_INCREMENT PRIMARY KEY,
  title VARCHAR(255) NOT NULL,
  filename VARCHAR(255) NOT NULL,
  published_at DATETIME NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE users (
  id INT AUTO_INCREMENT PRIMARY KEY,
  username VARCHAR(64) NOT NULL UNIQUE,
  password_hash VARCHAR(255) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- News dates are relative to the first boot so that a fresh site is a current site.
INSERT INTO news (title, body, published_at) VALUES
 ('Pengumuman Jadwal Sidang Pekan Ini', 'Jadwal sidang perkara pidana dan perdata untuk pekan ini telah diterbitkan.', NOW() - INTERVAL 1 DAY),
 ('Pelayanan Terpadu Satu Pintu Tetap Buka', 'PTSP melayani pendaftaran perkara secara elektronik (e-Court) dan langsung.', NOW() - INTERVAL 3 DAY),
 ('Sosialisasi Zona Integritas', 'Pengadilan melaksanakan sosialisasi pembangunan Zona Integritas menuju WBK/WBBM.', NOW() - INTERVAL 6 DAY),
 ('Penyerahan Sisa Panjar Biaya Perkara', 'Para pihak dapat mengambil sisa panjar biaya perkara di kasir.', NOW() - INTERVAL 10 DAY),
 ('Rapat Evaluasi Kinerja Triwulan', 'Rapat evaluasi kinerja triwulan dipimpin oleh Ketua Pengadilan.', NOW() - INTERVAL 15 DAY),
 ('Layanan Posbakum Gratis', 'Pos Bantuan Hukum melayani masyarakat tidak mampu setiap hari kerja.', NOW() - INTERVAL 21 DAY),
 ('Pengumuman Lelang Eksekusi', 'Pengumuman lelang eksekusi hak tanggungan tahap kedua.', NOW() - INTERVAL 28 DAY),
 ('Survei Kepuasan Masyarakat', 'Mohon partisipasi masyarakat mengisi survei kepuasan layanan pengadilan.', NOW() - INTERVAL 35 DAY);

INSERT INTO documents (title, filename, published_at) VALUES
 ('Laporan Tahunan', 'laporan-tahunan.pdf', NOW() - INTERVAL 40 DAY),
 ('Putusan Perkara Perdata Nomor 12/Pdt.G/2026', 'putusan-12-pdt-g-2026.pdf', NOW() - INTERVAL 9 DAY),
 ('Standar Pelayanan PTSP', 'standar-pelayanan-ptsp.pdf', NOW() - INTERVAL 60 DAY);

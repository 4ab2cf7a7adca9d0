#include "LandscapeControls.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QToolButton>

namespace evolq {

namespace {

const char* const LossNames[] = {"infonce", "mse", "kl", "cosine", "ce", "top1"};

}  // namespace

LandscapeControls::LandscapeControls(QWidget* parent)
    : QWidget(parent),
      m_block(new QSpinBox(this)),
      m_direction(new QComboBox(this)),
      m_channel(new QSpinBox(this)),
      m_file(new QLineEdit(this)),
      m_browse(new QToolButton(this)),
      m_dims(new QComboBox(this)),
      m_points(new QSpinBox(this)),
      m_radius(new QDoubleSpinBox(this)),
      m_unit(new QComboBox(this)),
      m_subset(new QSpinBox(this)),
      m_seed(new QSpinBox(this)),
      m_run(new QPushButton(tr("Run landscape"), this)),
      m_cancel(new QPushButton(tr("Cancel"), this)) {
    m_block->setRange(0, 0);
    m_direction->addItem(tr("random (filter-normalized)"), "random");
    m_direction->addItem(tr("mutation noise"), "mutation");
    m_direction->addItem(tr("one channel"), "channel");
    m_direction->addItem(tr("toward the search result"), "toward:result");
    m_direction->addItem(tr("toward a scale file"), "toward:file");
    m_channel->setRange(0, 1 << 20);
    m_file->setPlaceholderText(tr("scale file"));
    m_browse->setText("...");
    m_dims->addItem(tr("1-D"), 1);
    m_dims->addItem(tr("2-D"), 2);
    m_points->setRange(3, 201);
    m_radius->setRange(1e-6, 1e6);
    m_radius->setDecimals(4);
    m_unit->addItem(tr("x r (mutation range)"), false);
    m_unit->addItem(tr("x scale (fraction)"), true);
    m_subset->setRange(0, 1 << 24);
    m_subset->setSpecialValueText(tr("all"));
    m_seed->setRange(0, 1 << 30);
    m_run->setObjectName("runLandscapeButton");
    m_cancel->setObjectName("cancelLandscapeButton");

    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(4, 4, 4, 4);
    int col = 0;
    auto add = [&](const QString& label, QWidget* w, int row) {
        grid->addWidget(new QLabel(label, this), row, col, Qt::AlignRight);
        grid->addWidget(w, row, col + 1);
    };
    add(tr("Block:"), m_block, 0);
    add(tr("Points:"), m_points, 1);
    col = 2;
    add(tr("Direction:"), m_direction, 0);
    auto* target = new QWidget(this);
    auto* targetRow = new QHBoxLayout(target);
    targetRow->setContentsMargins(0, 0, 0, 0);
    targetRow->addWidget(new QLabel(tr("channel"), target));
    targetRow->addWidget(m_channel);
    targetRow->addWidget(m_file, 1);
    targetRow->addWidget(m_browse);
    grid->addWidget(target, 1, 2, 1, 2);
    col = 4;
    add(tr("Grid:"), m_dims, 0);
    add(tr("Radius:"), m_radius, 1);
    grid->addWidget(m_unit, 1, 6);
    auto* losses = new QHBoxLayout;
    for (const char* n : LossNames) {
        auto* c = new QCheckBox(n, this);
        c->setObjectName(QString("loss_") + n);
        m_losses << c;
        losses->addWidget(c);
    }
    grid->addWidget(new QLabel(tr("Losses:"), this), 2, 0, Qt::AlignRight);
    grid->addLayout(losses, 2, 1, 1, 3);
    grid->addWidget(new QLabel(tr("Images:"), this), 2, 4, Qt::AlignRight);
    grid->addWidget(m_subset, 2, 5);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(new QLabel(tr("Seed:"), this));
    buttons->addWidget(m_seed);
    buttons->addWidget(m_run);
    buttons->addWidget(m_cancel);
    grid->addLayout(buttons, 0, 6);
    grid->setColumnStretch(7, 1);

    setSettings(LandscapeRunSettings());
    connect(m_run, &QPushButton::clicked, this, &LandscapeControls::runRequested);
    connect(m_cancel, &QPushButton::clicked, this, &LandscapeControls::cancelRequested);
    connect(m_direction, &QComboBox::currentIndexChanged, this, [this] {
        // Toward a target, the coordinate is the fraction of the way there.
        if (m_direction->currentData().toString().startsWith("toward") && m_radius->value() > 5)
            m_radius->setValue(1.5);
        updateEnabled();
    });
    connect(m_browse, &QToolButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Scale file to sweep toward"),
                                                       m_file->text(), tr("Scale files (*.json)"));
        if (!f.isEmpty()) m_file->setText(f);
    });
    updateEnabled();
}

LandscapeRunSettings LandscapeControls::settings() const {
    LandscapeRunSettings s;
    s.block = m_block->value();
    const QString dir = m_direction->currentData().toString();
    if (dir == "channel")
        s.direction = QString("channel:%1").arg(m_channel->value());
    else if (dir == "toward:file")
        s.direction = "toward:" + m_file->text();
    else
        s.direction = dir;
    s.dims = m_dims->currentData().toInt();
    s.points = m_points->value();
    s.radius = m_radius->value();
    s.scaleFraction = m_unit->currentData().toBool();
    s.losses.clear();
    for (QCheckBox* c : m_losses)
        if (c->isChecked()) s.losses << c->text();
    if (s.losses.isEmpty()) s.losses << "infonce";
    s.subset = m_subset->value();
    s.seed = static_cast<unsigned>(m_seed->value());
    return s;
}

void LandscapeControls::setSettings(const LandscapeRunSettings& s) {
    m_block->setValue(s.block);
    QString dir = s.direction;
    if (dir.startsWith("channel:")) {
        m_channel->setValue(dir.mid(8).toInt());
        dir = "channel";
    } else if (dir.startsWith("toward:") && dir != "toward:result") {
        m_file->setText(dir.mid(7));
        dir = "toward:file";
    }
    const int d = m_direction->findData(dir);
    m_direction->setCurrentIndex(d >= 0 ? d : 0);
    m_dims->setCurrentIndex(s.dims == 2 ? 1 : 0);
    m_points->setValue(s.points);
    m_radius->setValue(s.radius);
    m_unit->setCurrentIndex(s.scaleFraction ? 1 : 0);
    for (QCheckBox* c : m_losses) c->setChecked(s.losses.contains(c->text()));
    m_subset->setValue(s.subset);
    m_seed->setValue(static_cast<int>(s.seed));
    updateEnabled();
}

void LandscapeControls::setBlockCount(int blocks) {
    m_block->setRange(0, std::max(0, blocks - 1));
}

void LandscapeControls::setBlock(int block) {
    if (block >= 0 && block <= m_block->maximum()) m_block->setValue(block);
}

QPushButton* LandscapeControls::runButton() const {
    return m_run;
}

QPushButton* LandscapeControls::cancelButton() const {
    return m_cancel;
}

QComboBox* LandscapeControls::directionCombo() const {
    return m_direction;
}

void LandscapeControls::setWorkerState(WorkerState state) {
    m_state = state;
    updateEnabled();
}

void LandscapeControls::setReady(bool quantized, bool searched) {
    m_quantized = quantized;
    m_searched = searched;
    updateEnabled();
}

void LandscapeControls::updateEnabled() {
    const QString dir = m_direction->currentData().toString();
    m_channel->setEnabled(dir == "channel");
    m_file->setEnabled(dir == "toward:file");
    m_browse->setEnabled(dir == "toward:file");
    const bool possible = dir != "toward:result" || m_searched;
    m_run->setEnabled(m_quantized && possible && m_state == WorkerState::Idle);
    m_run->setToolTip(possible ? QString()
                               : tr("Run a search first: the direction leads to its result"));
    m_cancel->setEnabled(m_state == WorkerState::Landscape);
}

}  // namespace evolq

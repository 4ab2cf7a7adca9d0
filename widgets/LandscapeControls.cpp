#include "LandscapeControls.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QResizeEvent>
#include <QSpinBox>
#include <QToolButton>

#include "FlowLayout.h"

namespace evolq {

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
    // The kind as data; settings() fills in the channel or the file beside it.
    m_direction->addItem(tr("random (filter-normalized)"), int(DirectionKind::Random));
    m_direction->addItem(tr("mutation noise"), int(DirectionKind::Mutation));
    m_direction->addItem(tr("one channel"), int(DirectionKind::Channel));
    m_direction->addItem(tr("toward the search result"), int(DirectionKind::TowardResult));
    m_direction->addItem(tr("toward a scale file"), int(DirectionKind::Toward));
    m_channel->setRange(0, 1 << 20);
    m_file->setPlaceholderText(tr("scale file"));
    m_browse->setText("...");
    m_dims->addItem(tr("1-D"), 1);
    m_dims->addItem(tr("2-D"), 2);
    m_points->setRange(3, 201);
    m_radius->setRange(1e-6, 1e6);
    m_radius->setDecimals(4);
    m_unit->addItem(tr("x r (mutation range)"), int(RadiusUnit::MutationRange));
    m_unit->addItem(tr("x scale (fraction)"), int(RadiusUnit::ScaleFraction));
    m_subset->setRange(0, 1 << 24);
    m_subset->setSpecialValueText(tr("all"));
    m_seed->setRange(0, 1 << 30);
    m_run->setObjectName("runLandscapeButton");
    m_cancel->setObjectName("cancelLandscapeButton");

    // Fields flow onto as many rows as the dock's width needs: the controls never decide how
    // wide the landscape dock must be (the fitness plot beside it keeps its room).
    auto* flow = new FlowLayout(this, 14, 4);
    flow->setContentsMargins(4, 4, 4, 4);
    auto field = [&](const QString& label, std::initializer_list<QWidget*> widgets) {
        auto* box = new QWidget(this);
        auto* row = new QHBoxLayout(box);
        row->setContentsMargins(0, 0, 0, 0);
        row->setSpacing(4);
        if (!label.isEmpty()) row->addWidget(new QLabel(label, box));
        for (QWidget* w : widgets) {
            w->setParent(box);
            row->addWidget(w);
        }
        flow->addWidget(box);
        return row;
    };
    field(tr("Block:"), {m_block});
    field(tr("Direction:"), {m_direction});
    QHBoxLayout* target = field(tr("channel"), {m_channel, m_file, m_browse});
    target->setStretch(2, 1);
    m_file->setMinimumWidth(120);
    field(tr("Grid:"), {m_dims});
    field(tr("Points:"), {m_points});
    field(tr("Radius:"), {m_radius, m_unit});
    QList<QWidget*> boxes;
    for (const QString& quantity : landscapeQuantities()) {
        auto* c = new QCheckBox(quantity, this);
        c->setObjectName("loss_" + quantity);
        // The name as data: a style may add an accelerator to the text.
        c->setProperty("quantity", quantity);
        m_losses << c;
    }
    {
        auto* box = new QWidget(this);
        auto* row = new QHBoxLayout(box);
        row->setContentsMargins(0, 0, 0, 0);
        row->setSpacing(6);
        row->addWidget(new QLabel(tr("Losses:"), box));
        for (QCheckBox* c : m_losses) {
            c->setParent(box);
            row->addWidget(c);
        }
        flow->addWidget(box);
    }
    field(tr("Images:"), {m_subset});
    field(tr("Seed:"), {m_seed});
    field(QString(), {m_run, m_cancel});
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);

    setSettings(LandscapeSettings());
    connect(m_run, &QPushButton::clicked, this, &LandscapeControls::runRequested);
    connect(m_cancel, &QPushButton::clicked, this, &LandscapeControls::cancelRequested);
    connect(m_direction, &QComboBox::currentIndexChanged, this, [this] {
        // Toward a target, the coordinate is the fraction of the way there.
        const DirectionKind kind = currentDirection();
        if ((kind == DirectionKind::Toward || kind == DirectionKind::TowardResult) &&
            m_radius->value() > 5)
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

void LandscapeControls::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    // Dock areas do not ask for a height for the width: follow the wrapped rows here.
    const int h = layout()->heightForWidth(event->size().width());
    if (h > 0 && h != height()) setFixedHeight(h);
}

QSize LandscapeControls::sizeHint() const {
    const QSize one = QWidget::sizeHint();  // every field on one row
    // Preferred: two rows' width, so that the dock does not ask for the whole window.
    const int width = std::max(minimumSizeHint().width(), one.width() / 2 + 40);
    return {width, layout()->heightForWidth(width)};
}

DirectionKind LandscapeControls::currentDirection() const {
    return static_cast<DirectionKind>(m_direction->currentData().toInt());
}

LandscapeSettings LandscapeControls::settings() const {
    LandscapeSettings s;
    s.block = m_block->value();
    s.direction = currentDirection();
    if (s.direction == DirectionKind::Channel) s.channel = m_channel->value();
    if (s.direction == DirectionKind::Toward) s.towardFile = m_file->text().trimmed();
    s.dims = m_dims->currentData().toInt();
    s.points = m_points->value();
    s.radius = m_radius->value();
    s.unit = static_cast<RadiusUnit>(m_unit->currentData().toInt());
    s.losses.clear();
    for (QCheckBox* c : m_losses)
        if (c->isChecked()) s.losses << c->property("quantity").toString();
    if (s.losses.isEmpty()) s.losses << lossName(LossKind::InfoNce);
    s.subset = m_subset->value();
    s.seed = static_cast<unsigned>(m_seed->value());
    return s;
}

void LandscapeControls::setSettings(const LandscapeSettings& s) {
    m_block->setValue(s.block);
    if (s.direction == DirectionKind::Channel) m_channel->setValue(s.channel);
    if (s.direction == DirectionKind::Toward) m_file->setText(s.towardFile);
    const int d = m_direction->findData(int(s.direction));
    m_direction->setCurrentIndex(d >= 0 ? d : 0);
    m_dims->setCurrentIndex(s.dims == 2 ? 1 : 0);
    m_points->setValue(s.points);
    m_radius->setValue(s.radius);
    const int u = m_unit->findData(int(s.unit));
    m_unit->setCurrentIndex(u >= 0 ? u : 0);
    for (QCheckBox* c : m_losses)
        c->setChecked(s.losses.contains(c->property("quantity").toString()));
    m_subset->setValue(s.subset);
    m_seed->setValue(static_cast<int>(s.seed));
    updateEnabled();
}

void LandscapeControls::setBlockCount(int blocks) {
    m_block->setRange(0, std::max(0, blocks - 1));
}

int LandscapeControls::blockCount() const {
    return m_block->maximum() + 1;
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
    const DirectionKind kind = currentDirection();
    m_channel->setEnabled(kind == DirectionKind::Channel);
    m_file->setEnabled(kind == DirectionKind::Toward);
    m_browse->setEnabled(kind == DirectionKind::Toward);
    const bool possible = kind != DirectionKind::TowardResult || m_searched;
    m_run->setEnabled(m_quantized && possible && m_state == WorkerState::Idle);
    m_run->setToolTip(possible ? QString()
                               : tr("Run a search first: the direction leads to its result"));
    m_cancel->setEnabled(m_state == WorkerState::Landscape);
}

}  // namespace evolq

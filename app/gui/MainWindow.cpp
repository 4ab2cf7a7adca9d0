#include "MainWindow.h"

#include <QAction>
#include <QFileDialog>
#include <QLabel>
#include <QMenuBar>
#include <QVBoxLayout>

#include "Error.h"
#include "ModelSummaryWidget.h"
#include "VitModel.h"

namespace evolq {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle("Evol-Q Workbench");
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    m_banner = new QLabel(central);
    m_banner->setObjectName("errorBanner");
    m_banner->setWordWrap(true);
    m_banner->setStyleSheet("QLabel { background: #fbe3e4; color: #8a1f11; border: 1px solid #e6a8a8; padding: 6px; }");
    m_banner->hide();
    m_summary = new ModelSummaryWidget(central);
    layout->addWidget(m_banner);
    layout->addWidget(m_summary);
    layout->addStretch();
    setCentralWidget(central);
    QMenu* file = menuBar()->addMenu("&File");
    QAction* open = file->addAction("&Open model...");
    connect(open, &QAction::triggered, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, "Open model folder");
        if (!dir.isEmpty()) openModel(dir);
    });
    file->addAction("&Quit", this, &QWidget::close);
    resize(900, 600);
}

MainWindow::~MainWindow() = default;

bool MainWindow::openModel(const QString& folder) {
    try {
        m_model = VitModel::load(folder);
        m_summary->setSummary(m_model->info().summaryRows());
        m_banner->hide();
        return true;
    } catch (const std::exception& e) {
        showError(QString::fromStdString(e.what()));
        return false;
    }
}

void MainWindow::showError(const QString& text) {
    m_banner->setText(text);
    m_banner->show();
}

QString MainWindow::errorText() const { return m_banner->isVisible() ? m_banner->text() : QString(); }

}  // namespace evolq
